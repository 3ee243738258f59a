// Package runner runs the node operator's local compute services ("runners")
// on behalf of WebAssembly subnet modules, and schedules jobs onto them.
//
// A runner is configured in the node's config file (TOML or YAML; see
// LoadConfig) and has a name, a kind, devices, a concurrency per device, a
// timeout and size caps. Two kinds exist:
//
//   - exec: a long-lived worker process per device, started with
//     CUDA_VISIBLE_DEVICES (and TAORUN_DEVICE) set to the device, speaking
//     the frame protocol below over its stdin and stdout, in the runner's dir
//     (by default the config file's directory). A worker that exits is
//     restarted with backoff (50 ms doubling to 5 s). An idle worker gets a
//     health frame every health_interval; one that leaves it unanswered for
//     start_timeout is killed and restarted.
//   - http: a local HTTP service. Mode "json" POSTs the job's input (a JSON
//     document) to the URL and returns the response body. Mode "openai" sends
//     the input to /v1/chat/completions (an object with "messages"),
//     /v1/embeddings (with "input") or /v1/completions (with "prompt") under
//     the URL (a trailing /v1 is optional), filling in
//     "model" from the configuration when the input has none, so vLLM,
//     llama.cpp's server or Ollama serve a text subnet as they are.
//
// # Scheduler
//
// A Scheduler holds one bounded queue per runner and Concurrency dispatch
// slots per device. Submit never blocks: a full queue rejects the job with
// ErrQueueFull. Idle slots take jobs from the runner's queue in the order
// they became idle, so no device idles while jobs wait and busy devices do
// not accumulate a private backlog (fair dispatch). A slot whose worker
// advertised max_batch > 1 takes up to that many queued jobs at once and
// sends them as one batch frame. Each job's timeout covers queueing and
// running; a cancelled or timed-out job returns at once to its caller.
//
// HostRunners adapts a Scheduler to host.Runners, so the runner_invoke,
// runner_submit and runner_wait host functions of node-side module calls
// reach it. Metrics (queue depth, job latency and queue wait histograms,
// batch sizes, outcomes, worker restarts, and GPU utilisation and memory
// from nvidia-smi when it is on PATH) go to the Registerer in Options.
//
// # Frame protocol (exec workers)
//
// Every frame, in both directions, is
//
//	u32 LE header length | header (JSON object) | u32 LE payload length | payload bytes
//
// The header is {"id": uint64, "kind": string, ...}. Binary length
// prefixes are used rather than JSON lines with base64 payloads because job
// payloads are large binary arrays (matrices, tensors): base64 would add a
// third to every transfer and an encode/decode pass on both sides, and a
// length known up front lets the reader refuse an oversized frame before
// reading it. The header stays JSON so workers in any language can parse it
// with a standard library. Header lengths are capped at 64 KiB.
//
// Kinds, node → worker:
//
//   - "job": run one job; the payload is the input.
//   - "batch": run several jobs; header "sizes" lists the input lengths and
//     the payload is the inputs concatenated in that order.
//   - "health": a health probe with an empty payload.
//   - "cancel": the node stopped waiting for job "id"; a worker may abandon
//     it and need not answer. A worker that has not answered the id within
//     the runner's cancel_grace is killed and restarted.
//
// Kinds, worker → node:
//
//   - "hello": the first frame a worker writes, before reading anything;
//     header "max_batch" (default 1) is the largest batch it accepts and
//     "name" names the worker. It must arrive within start_timeout.
//   - "result": job "id" succeeded; the payload is the output. For a batch,
//     "sizes" lists the output lengths, the payload is the outputs
//     concatenated, and "errors" (optional) holds a non-empty message for
//     each item that failed.
//   - "error": job (or batch) "id" failed; "error" says why.
//   - "health": the answer to a health probe of the same id.
//
// Replies may come in any order; ids match them to requests. A worker is
// free to process frames one at a time.
//
// # Invariants
//
//   - Every submitted job finishes exactly once, with an output or an error
//     (ErrQueueFull, ErrTimeout, ErrWorkerDied, ErrInputTooLarge,
//     ErrOutputTooLarge, ErrClosed, a context error or the runner's message),
//     wrapped in a *JobError naming the runner (and device once dispatched).
//   - A worker's death fails exactly the jobs in flight on it; queued jobs
//     and other devices are unaffected, and the worker is restarted.
//   - Inputs over max_input_bytes are refused before queueing; outputs over
//     max_output_bytes are discarded unread and fail their job.
//   - Close fails queued and running jobs with ErrClosed and stops every
//     worker process it started.
package runner
