// How every command reaches Rust: `invoke`, with a failure turned into an `IpcError`.
import { invoke } from "@tauri-apps/api/core";

import type { AppError } from "./bindings";

/** A failed command: the Rust `AppError`, whose `code` the UI branches on. */
export class IpcError extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.error = error;
  }
}

function toAppError(e: unknown): AppError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const err = e as AppError;
    return { code: err.code, message: err.message, fields: err.fields ?? [] };
  }
  return { code: "internal", message: String(e), fields: [] };
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new IpcError(toAppError(e));
  }
}
