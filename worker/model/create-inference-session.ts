// Creates the onnxruntime-node session for a model file on the requested execution provider.
// onnxruntime-node never falls back from CUDA to CPU: a missing CUDA provider throws, and we say why.
import * as ort from "onnxruntime-node";

export type ExecutionDevice = "cpu" | "cuda";

export class ExecutionProviderError extends Error {
  override name = "ExecutionProviderError";
}

export interface SessionCreateOptions {
  device: ExecutionDevice;
  /** Intra-op threads for the CPU provider; undefined = ORT default (all physical cores). */
  intraOpThreads?: number;
}

const CUDA_HELP =
  "the CUDA execution provider could not be loaded. Install onnxruntime-node with its CUDA binaries " +
  "(`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`) on a host with CUDA 12 and cuDNN 9, or run with GENQ_DEVICE=cpu";

/** The ORT session options genq runs with (exported so benchmarks give a raw session the very same). */
export function sessionOptionsFor(options: SessionCreateOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [options.device],
    graphOptimizationLevel: "all",
    // ORT warnings (e.g. nodes placed on CPU under CUDA) are noise in the worker log.
    logSeverityLevel: 3,
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
}

export async function createInferenceSession(
  modelPath: string,
  options: SessionCreateOptions,
): Promise<ort.InferenceSession> {
  const sessionOptions = sessionOptionsFor(options);
  try {
    return await ort.InferenceSession.create(modelPath, sessionOptions);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (options.device === "cuda" && /cuda|provider|shared librar|cudnn|cublas/i.test(message)) {
      throw new ExecutionProviderError(`device "cuda": ${CUDA_HELP}. onnxruntime said: ${message}`, { cause: error });
    }
    throw new Error(`cannot load model ${modelPath} on ${options.device}: ${message}`, { cause: error });
  }
}
