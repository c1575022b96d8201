// Where a worker reads and writes job rows, from GENQ_RESULT_SINK: `store` opens the store (and
// the lifecycle over it, which the webhook runtime, reconciler and retention sweep also use);
// `http` opens Redis only and reports to the API, checked at startup (token, route).
import type { GenqConfig } from "../shared/config.ts";
import type { Logger } from "../shared/logger.ts";
import { openNodeServices, openRedisServices, type NodeServices, type RedisServices } from "../shared/node-services.ts";
import { HttpResultSink } from "../shared/result-sink/http-result-sink.ts";
import type { ResultSink } from "../shared/result-sink/result-sink.ts";
import { StoreResultSink } from "../shared/result-sink/store-result-sink.ts";
import { openStore } from "../shared/store/open-store.ts";

export interface WorkerStorage {
  services: RedisServices;
  results: ResultSink;
  /** Only with GENQ_RESULT_SINK=store: the services over the store (webhooks, reconciler, retention). */
  withStore?: NodeServices;
}

export async function openWorkerStorage(config: GenqConfig, logger: Logger): Promise<WorkerStorage> {
  const sink = config.resultSink;
  if (sink.kind === "http") {
    const services = await openRedisServices(config, logger, "patient");
    const results = new HttpResultSink({ url: sink.url, token: sink.token, streams: services.streams, logger });
    try {
      await results.check();
    } catch (error) {
      await services.close();
      throw error;
    }
    return { services, results };
  }
  const store = await openStore(config);
  try {
    await store.checkWritable();
  } catch (error) {
    await store.close();
    throw error;
  }
  const withStore = await openNodeServices(config, store, logger, "patient");
  return { services: withStore, results: new StoreResultSink(store.jobs, withStore.lifecycle), withStore };
}
