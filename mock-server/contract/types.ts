/** The shape of one operation's contract file under contracts/<family>/<operation>.json. */
export type JsonSchema = Record<string, unknown>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ContractError {
  status: number;
  code: string;
  /** A message the real API is known to send for this code on this endpoint. */
  message?: string;
}

export interface Contract {
  operationId: string;
  summary: string;
  /** Where the facts come from (official page, SDK, observation). */
  sources?: string[];
  method: HttpMethod;
  /** Path template with `{name}` parameters, e.g. `/v3/marketing/favor/stocks/{stock_id}`. */
  path: string;
  request: {
    path?: JsonSchema;
    query?: JsonSchema;
    /** Header names in lower case. */
    headers?: JsonSchema;
    body?: JsonSchema;
    /** `json` (default when a body schema exists) or `multipart` (image uploads: the signature covers the `meta` part). */
    bodyEncoding?: 'json' | 'multipart';
  };
  responses: {
    /** 200 with a JSON body, or 204 without one. */
    [status: string]: JsonSchema;
  };
  errors: ContractError[];
  /** Replies that are files, never signed (bill downloads). */
  unsignedReply?: boolean;
  /** Control API (contracts/_mock/): the 200 reply's media type when it is not JSON (the journal's event stream). */
  replyType?: string;
}
