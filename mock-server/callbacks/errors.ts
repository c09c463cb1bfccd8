/** A refused trigger, replay, wait or handler check: `{code, message}` with an HTTP status on the control API. */
export class CallbackError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
