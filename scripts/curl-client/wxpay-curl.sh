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
set -euo pipefail

die() { echo "wxpay-curl: $*" >&2; exit 64; }
need() { [ -n "${!1:-}" ] || die "$1 is not set"; }

BASE_URL="${WXPAY_MOCK_URL:-http://127.0.0.1:8750}"
BASE_URL="${BASE_URL%/}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- request signing --------------------------------------------------------------------------
# authorization METHOD TARGET BODY_FILE: prints the Authorization header value.
need_signing() { need WXPAY_MCHID; need WXPAY_MERCHANT_SERIAL_NO; need WXPAY_MERCHANT_PRIVATE_KEY_PATH; }

authorization() {
  local method=$1 target=$2 body_file=$3 timestamp nonce signature
  timestamp=$(date +%s)
  nonce=$(openssl rand -hex 16)
  { printf '%s\n%s\n%s\n%s\n' "$method" "$target" "$timestamp" "$nonce"; cat "$body_file"; printf '\n'; } > "$TMP/request-message"
  signature=$(openssl dgst -sha256 -sign "$WXPAY_MERCHANT_PRIVATE_KEY_PATH" "$TMP/request-message" | openssl base64 -A)
  printf 'WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",timestamp="%s",serial_no="%s",signature="%s"' \
    "$WXPAY_MCHID" "$nonce" "$timestamp" "$WXPAY_MERCHANT_SERIAL_NO" "$signature"
}

# --- reply / notification verification ---------------------------------------------------------
# public_key_for SERIAL: prints the path of the PEM public key that serial names, or fails.
public_key_for() {
  local serial=$1
  if [ -n "${WXPAY_PUBLIC_KEY_ID:-}" ] && [ "$serial" = "$WXPAY_PUBLIC_KEY_ID" ]; then
    printf '%s' "$WXPAY_PUBLIC_KEY_PATH"
  elif [ -n "${WXPAY_PLATFORM_SERIAL_NO:-}" ] && [ "${serial^^}" = "${WXPAY_PLATFORM_SERIAL_NO^^}" ]; then
    openssl x509 -in "$WXPAY_PLATFORM_CERTIFICATE_PATH" -pubkey -noout > "$TMP/platform.pub"
    printf '%s' "$TMP/platform.pub"
  else
    return 1
  fi
}

# verify_signature TIMESTAMP NONCE SERIAL SIGNATURE BODY_FILE: 0 when valid; says why on stderr otherwise.
verify_signature() {
  local timestamp=$1 nonce=$2 serial=$3 signature=$4 body_file=$5 key now
  if [ -z "$timestamp" ] || [ -z "$nonce" ] || [ -z "$serial" ] || [ -z "$signature" ]; then
    echo "wxpay-curl: Wechatpay-Timestamp, -Nonce, -Serial or -Signature missing" >&2; return 1
  fi
  now=$(date +%s)
  if ! [[ "$timestamp" =~ ^[0-9]+$ ]] || [ $(( now > timestamp ? now - timestamp : timestamp - now )) -gt 300 ]; then
    echo "wxpay-curl: Wechatpay-Timestamp $timestamp is more than 300 s from now ($now)" >&2; return 1
  fi
  if ! key=$(public_key_for "$serial"); then
    echo "wxpay-curl: Wechatpay-Serial $serial names no key this client trusts" >&2; return 1
  fi
  { printf '%s\n%s\n' "$timestamp" "$nonce"; cat "$body_file"; printf '\n'; } > "$TMP/verify-message"
  # A WECHATPAY/SIGNTEST/ probe is not base64: it decodes to garbage and fails below, as it must.
  printf '%s' "$signature" | openssl base64 -d -A > "$TMP/signature.bin" 2>/dev/null || true
  if ! openssl dgst -sha256 -verify "$key" -signature "$TMP/signature.bin" "$TMP/verify-message" > /dev/null 2>&1; then
    echo "wxpay-curl: signature does not verify (Wechatpay-Serial $serial)" >&2; return 1
  fi
}

# --- HTTP ---------------------------------------------------------------------------------------
USER_AGENT="wxpay-curl/1.0 (bash; curl; openssl)"
declare -A REPLY_HEADERS

# send METHOD URL [curl args…]: writes $TMP/headers and $TMP/body, sets STATUS.
send() {
  local method=$1 url=$2; shift 2
  local serial_header=()
  [ -n "${WXPAY_SERIAL:-}" ] && serial_header=(-H "Wechatpay-Serial: $WXPAY_SERIAL")
  if ! STATUS=$(curl -sS --globoff --path-as-is -X "$method" -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' \
      -H 'Accept: application/json' -H "User-Agent: $USER_AGENT" "${serial_header[@]}" "$@" "$url"); then
    echo "wxpay-curl: $method $url: transport error" >&2; exit 3
  fi
  local line name
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ "$line" == *:* ]] || continue
    name=${line%%:*}
    REPLY_HEADERS[${name,,}]=${line#*:}
    REPLY_HEADERS[${name,,}]=${REPLY_HEADERS[${name,,}]# }
  done < "$TMP/headers"
  echo "HTTP $STATUS" >&2
}

# header NAME: a reply header's value (names compare case-insensitively), empty when absent.
header() { local name=${1,,}; printf '%s' "${REPLY_HEADERS[$name]:-}"; }

# finish: prints the body; verifies a 2xx reply's signature; exits with the documented code.
finish_verified() {
  cat "$TMP/body"
  [[ "$STATUS" == 2* ]] || exit 1
  if verify_signature "$(header Wechatpay-Timestamp)" "$(header Wechatpay-Nonce)" "$(header Wechatpay-Serial)" "$(header Wechatpay-Signature)" "$TMP/body"; then
    echo "wxpay-curl: reply signature verified (Wechatpay-Serial $(header Wechatpay-Serial))" >&2
  else
    exit 2
  fi
}

target_of() { printf '%s' "$1" | sed -E 's#^[a-zA-Z]+://[^/]+##'; }

# --- commands -----------------------------------------------------------------------------------
call() {
  local extra=()
  while [ "${1:-}" = "-H" ]; do extra+=(-H "$2"); shift 2; done
  [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: wxpay-curl.sh [-H 'Name: value']... METHOD TARGET [BODY | @FILE]"
  local method target=$2 body_args=()
  method=${1^^}
  [[ "$target" == /* ]] || die "TARGET is a path and query starting with /, e.g. /v3/marketing/favor/callbacks?mchid=…"
  [ "$method" != GET ] || [ $# -eq 2 ] || die "a GET has no body (headers go before METHOD: -H 'Name: value')"
  : > "$TMP/request-body"
  if [ $# -ge 3 ]; then
    if [[ "$3" == @* ]]; then cat "${3#@}" > "$TMP/request-body"; else printf '%s' "$3" > "$TMP/request-body"; fi
    body_args=(-H 'Content-Type: application/json' --data-binary "@$TMP/request-body")
  fi
  send "$method" "$BASE_URL$target" -H "Authorization: $(authorization "$method" "$target" "$TMP/request-body")" "${extra[@]}" "${body_args[@]}"
  finish_verified
}

upload() {
  [ $# -eq 2 ] || die "usage: wxpay-curl.sh upload TARGET IMAGE_FILE"
  local target=$1 file=$2 name sha type
  name=$(basename "$file")
  sha=$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
  case "${name##*.}" in png|PNG) type=image/png ;; bmp|BMP) type=image/bmp ;; *) type=image/jpeg ;; esac
  printf '{"filename":"%s","sha256":"%s"}' "$name" "$sha" > "$TMP/meta"
  # The signed body line is the meta JSON; curl sends the same bytes as the meta part.
  send POST "$BASE_URL$target" -H "Authorization: $(authorization POST "$target" "$TMP/meta")" \
    -F "meta=<$TMP/meta;type=application/json" -F "file=@$file;filename=$name;type=$type"
  finish_verified
}

download() {
  [ $# -eq 1 ] || die "usage: wxpay-curl.sh download URL"
  # Sign the path and query of the URL the flow API returned; send it to the base URL (host redirect).
  local target
  target=$(target_of "$1")
  : > "$TMP/empty"
  send GET "$BASE_URL$target" -H "Authorization: $(authorization GET "$target" "$TMP/empty")"
  cat "$TMP/body"
  [[ "$STATUS" == 2* ]] || exit 1
  echo "wxpay-curl: file downloaded unsigned, as file downloads are; compare its SHA1 with hash_value" >&2
}

verify_notification() {
  [ $# -eq 5 ] || die "usage: wxpay-curl.sh verify-notification TIMESTAMP NONCE SERIAL SIGNATURE BODY_FILE"
  if verify_signature "$@"; then echo "wxpay-curl: notification signature verified (Wechatpay-Serial $3)" >&2; else exit 2; fi
}

# AES-256-GCM as the docs define it for resources: key = the 32-byte APIv3 key, IV = the 12-byte nonce,
# AAD = associated_data, the 16-byte tag appended to the ciphertext, all base64. `openssl enc` has no
# AEAD mode, so this decrypts the GCM keystream with AES-256-CTR (counter block = IV ‖ 00000002) and
# does NOT check the tag: it shows the layout. A real handler uses its language's AES-GCM, which
# checks the tag (and the AAD) — and only after the signature verified.
decrypt_resource() {
  [ $# -eq 3 ] || die "usage: wxpay-curl.sh decrypt-resource CIPHERTEXT NONCE ASSOCIATED_DATA"
  need WXPAY_APIV3_KEY
  local hex_key hex_iv
  hex_key=$(printf '%s' "$WXPAY_APIV3_KEY" | od -An -tx1 | tr -d ' \n')
  hex_iv="$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')00000002"
  printf '%s' "$1" | openssl base64 -d -A > "$TMP/sealed"
  head -c $(( $(wc -c < "$TMP/sealed") - 16 )) "$TMP/sealed" > "$TMP/ciphertext"   # drop the 16-byte tag
  openssl enc -d -aes-256-ctr -K "$hex_key" -iv "$hex_iv" -in "$TMP/ciphertext"
}

case "${1:-}" in
  upload) shift; need_signing; upload "$@" ;;
  download) shift; need_signing; download "$@" ;;
  verify-notification) shift; verify_notification "$@" ;;
  decrypt-resource) shift; decrypt_resource "$@" ;;
  ""|-h|--help) sed -n '2,33p' "$0"; exit 64 ;;
  *) need_signing; call "$@" ;;
esac
