// Request/response over anywidget custom messages, matched by id.
import type { AnyModel } from "@anywidget/types";
import type { ErrorResponse, Request, Response } from "./protocol";

type Pending = {
  resolve: (value: [Response, DataView[]]) => void;
  reject: (reason: Error) => void;
};

/** Distributive Omit, so each member of a union keeps its own fields. */
export type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * Sends requests and resolves each with the response carrying the same id. Every view gets
 * its own id range, so two views of one model never take each other's answers.
 */
export class Rpc {
  private next: number;
  private pending = new Map<number, Pending>();
  private readonly model: AnyModel;
  private readonly onMessage: (msg: unknown, buffers: DataView[]) => void;

  constructor(model: AnyModel) {
    this.model = model;
    this.next = Math.floor(Math.random() * 2 ** 30) * 8;
    this.onMessage = (msg, buffers) => this.dispatch(msg, buffers);
    model.on("msg:custom", this.onMessage);
  }

  request<R extends Response>(req: WithoutId<Request>): Promise<[R | ErrorResponse, DataView[]]> {
    const id = this.next++;
    const message = { ...req, id } as Request;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (value: [Response, DataView[]]) => void,
        reject,
      });
      this.model.send(message);
    });
  }

  dispatch(msg: unknown, buffers: DataView[]): void {
    if (typeof msg !== "object" || msg === null) return;
    const id = (msg as { id?: unknown }).id;
    if (typeof id !== "number") return;
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    waiter.resolve([msg as Response, buffers ?? []]);
  }

  close(): void {
    this.model.off("msg:custom", this.onMessage);
    for (const waiter of this.pending.values()) waiter.reject(new Error("view closed"));
    this.pending.clear();
  }
}
