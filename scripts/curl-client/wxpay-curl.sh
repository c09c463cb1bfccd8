#!/usr/bin/env bash
# wxpay-curl.sh — a WeChat Pay APIv3 client in bash: openssl signs, curl sends, openssl verifies.
# A worked reference of the algorithm for any language (protocol: docs "签名生成" / "签名验证"):
#
#   message   = METHOD \n PATH?QUERY \n TIMESTAMP \n NONCE \n BODY \n      (every line ends with \n;
#               no body: an empty line; an image upload signs the meta JSON)
#   signature = base64( SHA256withRSA(message, apiclient_key.pem) )
#   header    = Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"
#   reply     = verify base64-decoded Wechatpay-Signature over  TIMESTAMP \n NONCE \n BODY \n
#               with the key named by Wechatpay-Serial (platform certificate or PUB_KEY_ID_… public key),
#               |now − Wechatpay-Timestamp| ≤ 300 s
#
# Usage:
#   wxpay-curl.sh [-H 'Name: value']... METHOD TARGET [BODY | @FILE]     signed call, verified reply
#   wxpay-curl.sh upload TARGET IMAGE_FILE                              marketing image upload (multipart)
#   wxpay-curl.sh download URL                                          bill file (signed request, unsigned file)
#   wxpay-curl.sh verify-notification TIMESTAMP NONCE SERIAL SIGNATURE BODY_FILE
#   wxpay-curl.sh decrypt-resource CIPHERTEXT NONCE ASSOCIATED_DATA     AES-256-GCM resource → plaintext
#
# TARGET is the path and query exactly as sent (percent-encoding included), e.g.
#   /v3/marketing/favor/callbacks?mchid=1900000001
#
# Environment — the names `wxpay-mock credentials` prints (eval "$(npx wxpay-mock credentials)"):
#   WXPAY_MOCK_URL (base URL, default http://127.0.0.1:8750), WXPAY_MCHID, WXPAY_MERCHANT_SERIAL_NO,
#   WXPAY_MERCHANT_PRIVATE_KEY_PATH, WXPAY_APIV3_KEY (decrypt-resource),
#   WXPAY_PLATFORM_SERIAL_NO + WXPAY_PLATFORM_CERTIFICATE_PATH and/or WXPAY_PUBLIC_KEY_ID + WXPAY_PUBLIC_KEY_PATH
#   WXPAY_SERIAL (optional): sent as Wechatpay-Serial (e.g. a PUB_KEY_ID_… to be answered with the public key)
#
# Output: the reply body on stdout, exactly; "HTTP <status>" and what was verified on stderr.
# Exit: 0 2xx and verified · 1 non-2xx · 2 reply or notification signature not valid · 3 transport error · 64 usage
#
# A call starts three programs: openssl signs, curl sends, openssl verifies (an upload one more, for
# the file's SHA-256). The rest is bash itself (clock, nonce, base64, reading the reply's headers), and
# no temporary file is written: a test suite runs hundreds of calls through it.
set -euo pipefail

die() { echo "wxpay-curl: $*" >&2; exit 64; }
need() { [ -n "${!1:-}" ] || die "$1 is not set"; }

BASE_URL="${WXPAY_MOCK_URL:-http://127.0.0.1:8750}"
BASE_URL="${BASE_URL%/}"

# read_file VAR FILE: VAR = the file's bytes, trailing newlines included (a body is signed exactly).
read_file() { [ -r "$2" ] || die "cannot read $2"; IFS= read -r -d '' "$1" < "$2" || true; }

# --- base64 (RFC 4648) in bash, as `openssl base64 -A` / `openssl base64 -d -A` would do it -----------
B64=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/

# base64_of_hex VAR HEX: VAR = base64 of the bytes HEX spells; each 3 bytes become 4 characters.
base64_of_hex() {
  local hex=$2 out='' chunk bytes n i
  for (( i = 0; i < ${#hex}; i += 6 )); do
    chunk=${hex:i:6}; bytes=$(( ${#chunk} / 2 ))
    n=$(( 16#$chunk << 8 * (3 - bytes) ))
    out+=${B64:n>>18&63:1}${B64:n>>12&63:1}
    if (( bytes > 1 )); then out+=${B64:n>>6&63:1}; else out+='='; fi
    if (( bytes > 2 )); then out+=${B64:n&63:1}; else out+='='; fi
  done
  printf -v "$1" '%s' "$out"
}

# bytes_of_base64 VAR TEXT: VAR = the decoded bytes as printf escapes (\xNN…, for printf '%b');
# fails on a character outside the alphabet. Each 4 characters become 3 bytes, fewer at a '=' end.
bytes_of_base64() {
  local text=${2%%=*} out='' quad bytes c prefix n i j
  for (( i = 0; i < ${#text}; i += 4 )); do
    quad=${text:i:4}; n=0
    for (( j = 0; j < 4; j++ )); do
      c=${quad:j:1}; prefix=${B64%%"$c"*}          # the index of c in the alphabet (0 past the end)
      [ -z "$c" ] || [ ${#prefix} -lt 64 ] || return 1
      n=$(( n << 6 | ${#prefix} ))
    done
    printf -v bytes '\\x%02x\\x%02x\\x%02x' $(( n >> 16 )) $(( n >> 8 & 255 )) $(( n & 255 ))
    out+=${bytes:0:4 * (${#quad} - 1)}
  done
  printf -v "$1" '%s' "$out"
}

# --- request signing --------------------------------------------------------------------------
need_signing() { need WXPAY_MCHID; need WXPAY_MERCHANT_SERIAL_NO; need WXPAY_MERCHANT_PRIVATE_KEY_PATH; }

# authorization METHOD TARGET BODY: sets AUTHORIZATION to the Authorization header value.
authorization() {
  local method=$1 target=$2 body=$3 timestamp nonce signed signature
  printf -v timestamp '%(%s)T' -1
  # 32 random hex digits: bash 5.1's $SRANDOM (the kernel's getrandom), else openssl rand.
  if [ -n "${SRANDOM:-}" ]; then
    printf -v nonce '%08x%08x%08x%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"
  else
    nonce=$(openssl rand -hex 16)
  fi
  # The message's last \n is the one <<< appends. -hex prints "RSA-SHA2-256(stdin)= <signature in hex>";
  # exec: the command substitution's subshell becomes openssl (one process, not two).
  signed=$(exec openssl dgst -sha256 -sign "$WXPAY_MERCHANT_PRIVATE_KEY_PATH" -hex \
    <<< "$method"$'\n'"$target"$'\n'"$timestamp"$'\n'"$nonce"$'\n'"$body")
  base64_of_hex signature "${signed##* }"
  printf -v AUTHORIZATION 'WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",timestamp="%s",serial_no="%s",signature="%s"' \
    "$WXPAY_MCHID" "$nonce" "$timestamp" "$WXPAY_MERCHANT_SERIAL_NO" "$signature"
}

# --- reply / notification verification ---------------------------------------------------------
# verify_signature TIMESTAMP NONCE SERIAL SIGNATURE BODY: 0 when valid; says why on stderr otherwise.
verify_signature() {
  local timestamp=$1 nonce=$2 serial=$3 signature=$4 body=$5 key=() now signature_bytes
  if [ -z "$timestamp" ] || [ -z "$nonce" ] || [ -z "$serial" ] || [ -z "$signature" ]; then
    echo "wxpay-curl: Wechatpay-Timestamp, -Nonce, -Serial or -Signature missing" >&2; return 1
  fi
  printf -v now '%(%s)T' -1
  if ! [[ "$timestamp" =~ ^[0-9]+$ ]] || [ $(( now > timestamp ? now - timestamp : timestamp - now )) -gt 300 ]; then
    echo "wxpay-curl: Wechatpay-Timestamp $timestamp is more than 300 s from now ($now)" >&2; return 1
  fi
  # The key Wechatpay-Serial names: the WeChat Pay public key, or the platform certificate's (-certin).
  if [ -n "${WXPAY_PUBLIC_KEY_ID:-}" ] && [ "$serial" = "$WXPAY_PUBLIC_KEY_ID" ]; then
    key=(-pubin -inkey "$WXPAY_PUBLIC_KEY_PATH")
  elif [ -n "${WXPAY_PLATFORM_SERIAL_NO:-}" ] && [ "${serial^^}" = "${WXPAY_PLATFORM_SERIAL_NO^^}" ]; then
    key=(-certin -inkey "$WXPAY_PLATFORM_CERTIFICATE_PATH")
  else
    echo "wxpay-curl: Wechatpay-Serial $serial names no key this client trusts" >&2; return 1
  fi
  # SHA256withRSA over the message (its last \n appended by <<<), the signature bytes read from a pipe.
  # A WECHATPAY/SIGNTEST/ probe is not a signature: it decodes to garbage and fails, as it must.
  if ! bytes_of_base64 signature_bytes "$signature" ||
     ! openssl pkeyutl -verify "${key[@]}" -rawin -digest sha256 -sigfile <(printf '%b' "$signature_bytes") \
         <<< "$timestamp"$'\n'"$nonce"$'\n'"$body" > /dev/null 2>&1; then
    echo "wxpay-curl: signature does not verify (Wechatpay-Serial $serial)" >&2; return 1
  fi
}

# --- HTTP ---------------------------------------------------------------------------------------
USER_AGENT="wxpay-curl/1.0 (bash; curl; openssl)"
declare -A REPLY_HEADERS

# curl_args METHOD: the options every request has (WXPAY_SERIAL as a Wechatpay-Serial header).
curl_args() {
  CURL_ARGS=(-sS --globoff --path-as-is -X "$1" -H 'Accept: application/json' -H "User-Agent: $USER_AGENT")
  [ -z "${WXPAY_SERIAL:-}" ] || CURL_ARGS+=(-H "Wechatpay-Serial: $WXPAY_SERIAL")
}

# send METHOD URL [curl args…]: sets STATUS, REPLY_HEADERS (names in lower case) and BODY.
send() {
  local method=$1 url=$2 reply head line name; shift 2
  curl_args "$method"
  # curl prints the reply's headers (-D -), its body, then the status (-w): the body keeps its last bytes.
  if ! reply=$(curl "${CURL_ARGS[@]}" -D - -w '%{http_code}' "$@" "$url"); then
    echo "wxpay-curl: $method $url: transport error" >&2; exit 3
  fi
  STATUS=${reply: -3}; reply=${reply%???}
  # A 1xx (100 Continue) has a block of headers of its own before the reply's.
  while [[ ${reply%%$'\r'*} =~ ^HTTP/[^\ ]+\ 1[0-9][0-9] && $reply == *$'\r\n\r\n'* ]]; do
    reply=${reply#*$'\r\n\r\n'}
  done
  head=${reply%%$'\r\n\r\n'*}
  BODY=${reply#*$'\r\n\r\n'}
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ "$line" == *:* ]] || continue
    name=${line%%:*}
    REPLY_HEADERS[${name,,}]=${line#*:}
    REPLY_HEADERS[${name,,}]=${REPLY_HEADERS[${name,,}]# }
  done <<< "$head"
  echo "HTTP $STATUS" >&2
}

# finish_verified: prints the body; verifies a 2xx reply's signature; exits with the documented code.
finish_verified() {
  printf '%s' "$BODY"
  [[ "$STATUS" == 2* ]] || exit 1
  local serial=${REPLY_HEADERS[wechatpay-serial]:-}
  if verify_signature "${REPLY_HEADERS[wechatpay-timestamp]:-}" "${REPLY_HEADERS[wechatpay-nonce]:-}" "$serial" \
      "${REPLY_HEADERS[wechatpay-signature]:-}" "$BODY"; then
    echo "wxpay-curl: reply signature verified (Wechatpay-Serial $serial)" >&2
  else
    exit 2
  fi
}

# --- commands -----------------------------------------------------------------------------------
call() {
  local extra=()
  while [ "${1:-}" = "-H" ]; do extra+=(-H "$2"); shift 2; done
  [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: wxpay-curl.sh [-H 'Name: value']... METHOD TARGET [BODY | @FILE]"
  local method=${1^^} target=$2 body='' body_args=()
  [[ "$target" == /* ]] || die "TARGET is a path and query starting with /, e.g. /v3/marketing/favor/callbacks?mchid=…"
  [ "$method" != GET ] || [ $# -eq 2 ] || die "a GET has no body (headers go before METHOD: -H 'Name: value')"
  if [ $# -ge 3 ]; then
    if [[ "$3" == @* ]]; then read_file body "${3#@}"; else body=$3; fi
    body_args=(-H 'Content-Type: application/json' --data-raw "$body")   # the bytes, exactly
  fi
  authorization "$method" "$target" "$body"
  send "$method" "$BASE_URL$target" -H "Authorization: $AUTHORIZATION" "${extra[@]}" "${body_args[@]}"
  finish_verified
}

upload() {
  [ $# -eq 2 ] || die "usage: wxpay-curl.sh upload TARGET IMAGE_FILE"
  local target=$1 file=$2 name=${2##*/} sha type meta
  sha=$(openssl dgst -sha256 -r "$file")              # "<hex> *FILE"
  case "${name##*.}" in png|PNG) type=image/png ;; bmp|BMP) type=image/bmp ;; *) type=image/jpeg ;; esac
  printf -v meta '{"filename":"%s","sha256":"%s"}' "$name" "${sha%% *}"
  # The signed body line is the meta JSON; curl sends the same bytes (from stdin) as the meta part.
  authorization POST "$target" "$meta"
  send POST "$BASE_URL$target" -H "Authorization: $AUTHORIZATION" \
    -F 'meta=<-;type=application/json' -F "file=@$file;filename=$name;type=$type" < <(printf '%s' "$meta")
  finish_verified
}

download() {
  [ $# -eq 1 ] || die "usage: wxpay-curl.sh download URL"
  # Sign the path and query of the URL the flow API returned; send it to the base URL (host redirect).
  local target=$1 status
  [[ "$1" =~ ^[a-zA-Z]+://[^/]+(.*)$ ]] && target=${BASH_REMATCH[1]}
  authorization GET "$target" ''
  curl_args GET
  # The file goes straight to stdout (any bytes); -w writes the status to curl's stderr, read here.
  if ! status=$(curl "${CURL_ARGS[@]}" -H "Authorization: $AUTHORIZATION" -o - -w '%{stderr}%{http_code}' \
      "$BASE_URL$target" 2>&1 >&3); then
    printf '%s' "${status%000}" >&2; echo "wxpay-curl: GET $BASE_URL$target: transport error" >&2; exit 3   # curl's error
  fi 3>&1
  echo "HTTP $status" >&2
  [[ "$status" == 2* ]] || exit 1
  echo "wxpay-curl: file downloaded unsigned, as file downloads are; compare its SHA1 with hash_value" >&2
}

verify_notification() {
  [ $# -eq 5 ] || die "usage: wxpay-curl.sh verify-notification TIMESTAMP NONCE SERIAL SIGNATURE BODY_FILE"
  local body
  read_file body "$5"
  if verify_signature "$1" "$2" "$3" "$4" "$body"; then
    echo "wxpay-curl: notification signature verified (Wechatpay-Serial $3)" >&2
  else
    exit 2
  fi
}

# hex_of VAR TEXT: VAR = TEXT's characters as hex digits (an openssl -K / -iv value).
hex_of() {
  local text=$2 out='' i
  for (( i = 0; i < ${#text}; i++ )); do printf -v out '%s%02x' "$out" "'${text:i:1}"; done
  printf -v "$1" '%s' "$out"
}

# AES-256-GCM as the docs define it for resources: key = the 32-byte APIv3 key, IV = the 12-byte nonce,
# AAD = associated_data, the 16-byte tag appended to the ciphertext, all base64. `openssl enc` has no
# AEAD mode, so this decrypts the GCM keystream with AES-256-CTR (counter block = IV ‖ 00000002) and
# does NOT check the tag: it shows the layout. A real handler uses its language's AES-GCM, which
# checks the tag (and the AAD) — and only after the signature verified.
decrypt_resource() {
  [ $# -eq 3 ] || die "usage: wxpay-curl.sh decrypt-resource CIPHERTEXT NONCE ASSOCIATED_DATA"
  need WXPAY_APIV3_KEY
  local hex_key hex_iv sealed
  hex_of hex_key "$WXPAY_APIV3_KEY"
  hex_of hex_iv "$2"
  bytes_of_base64 sealed "$1" || die "CIPHERTEXT is not base64"
  # Drop the 16-byte tag: 16 escapes of 4 characters (\xNN).
  printf '%b' "${sealed:0:${#sealed} - 64}" | openssl enc -d -aes-256-ctr -K "$hex_key" -iv "${hex_iv}00000002"
}

case "${1:-}" in
  upload) shift; need_signing; upload "$@" ;;
  download) shift; need_signing; download "$@" ;;
  verify-notification) shift; verify_notification "$@" ;;
  decrypt-resource) shift; decrypt_resource "$@" ;;
  ""|-h|--help)
    while IFS= read -r line && [[ "$line" == \#* ]]; do line=${line#\#}; [[ "$line" == '!'* ]] || echo "${line# }"; done < "$0"
    exit 64 ;;
  *) need_signing; call "$@" ;;
esac
