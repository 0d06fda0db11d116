/** Base class of the errors the web app raises on purpose. */
export class WebAppError extends Error {
  override readonly name: string = 'WebAppError';
}

/** A remote model could not be listed or one of its files could not be fetched. */
export class RemoteModelError extends WebAppError {
  override readonly name = 'RemoteModelError';

  constructor(
    message: string,
    /** The URL that failed. */
    readonly url: string,
    /** HTTP status, when a response arrived. */
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request that the engine's current state does not allow, such as sending before a model is loaded. */
export class EngineStateError extends WebAppError {
  override readonly name = 'EngineStateError';

  constructor(
    message: string,
    /** The state the engine is in: `no-model` or `generating`. */
    readonly state: 'no-model' | 'generating',
  ) {
    super(message);
  }
}

/** The backend the user chose cannot run in this browser. */
export class BackendUnavailableError extends WebAppError {
  override readonly name = 'BackendUnavailableError';

  constructor(
    message: string,
    /** The backend that was requested. */
    readonly backend: string,
  ) {
    super(message);
  }
}
