export { type ApiLimitsOptions, DEFAULT_API_LIMITS, type RateLimit } from './api/limits/api.js';
export { type ApiLimitsSettings, mergeApiLimits, resolveApiLimits } from './api/limits/limits-settings.js';
export { createMetrics } from './api/metrics.js';
export { type ApiComponents, type ApiOptions, createApiServer } from './api/server.js';
export {
  activeCoordinators,
  type CoordinatorEndpoints,
  coordinatorRecord,
  deregisterCoordinator,
  type RegisteredCoordinator,
  registerCoordinator,
  withdrawCoordinatorBond,
} from './chain/coordinator-registry.js';
export { chainStatePath, mintGas, startEmbeddedChain } from './chain/embedded-chain.js';
export { ensureNetwork, FUNDER_KEY_NAME, type RunningNetwork } from './chain/ensure-network.js';
export { type FaucetGrant, fundFromFaucet } from './chain/faucet.js';
export { redeemVouchers } from './chain/redeem-vouchers.js';
export { slash } from './chain/slash.js';
export { stake } from './chain/stake.js';
export { DEFAULTS, loadConfig, type NodeConfig } from './config/config.js';
export { defaultDataDir, resolveDataDir } from './config/data-dir.js';
export {
  type CoordinatorOptions,
  type RunningCoordinator,
  startCoordinator,
} from './coordinator/coordinator.js';
export { JobEventBus, type JobListener } from './coordinator/job-event-bus.js';
export {
  DEFAULT_VERIFICATION,
  JobIntake,
  type JobIntakeOptions,
  type VerificationSettings,
} from './coordinator/job-intake.js';
export { type ProviderEntry, ProviderRegistry } from './coordinator/provider-registry.js';
export { checkDataset, DATASET_FORMAT, type DatasetManifest } from './datasets/dataset-format.js';
export { DatasetRegistry, type RegisteredDataset } from './datasets/dataset-registry.js';
export { writeDataset } from './datasets/dataset-writer.js';
export * from './feeds/api.js';
export * from './fl/api.js';
export {
  type NetworkParameterValues,
  type ParameterChange,
  type ParameterName,
  PROPOSAL_STATES,
  type ProposalState,
} from './governance/api.js';
export {
  FORECAST_DEFAULTS,
  type Forecast,
  type ForecastSettings,
  forecastChange,
  type Outlook,
} from './governance/forecast/forecast.js';
export { forecastTable } from './governance/forecast/forecast-table.js';
export {
  castVote,
  delegateVotes,
  executeProposal,
  proposeChange,
  queueProposal,
  type Support,
} from './governance/governor-actions.js';
export {
  chainNow,
  type ProposalCall,
  proposalCall,
  proposalState,
  proposalsOf,
  votesOf,
} from './governance/governor-reads.js';
export { listProposals, type ProposalSummary } from './governance/list-proposals.js';
export { BOUNDS, PARAMETER_HELP, PARAMETER_NAMES, parameterChange } from './governance/parameters.js';
export { parseDescription, proposalDescription } from './governance/proposal-text.js';
export { type ParameterProposal, proposeParameter } from './governance/propose-with-forecast.js';
export { readNetworkParameters } from './governance/read-parameters.js';
export { policyFromChain, policyToChain } from './governance/verification-encoding.js';
export {
  answerHash,
  type CpuChallenge,
  checkCpuAnswer,
  cpuChallengeFor,
  DEFAULT_LANE,
} from './integrity/hardware/cpu-challenge.js';
export { type LaneParams, runLane, runLanes } from './integrity/hardware/cpu-lanes.js';
export {
  CPU_SLACK,
  CPU_STARTUP_MS,
  cpuDeadlineMs,
  GPU_SLACK,
  gpuDeadlineMs,
  provenCores,
} from './integrity/hardware/deadline.js';
export { cardTflops, GPU_CARD_TFLOPS } from './integrity/hardware/gpu-cards.js';
export {
  checkGpuAnswer,
  type GpuAnswer,
  type GpuChallenge,
  type GpuChallengeSettings,
  gpuChallengeFor,
} from './integrity/hardware/gpu-challenge.js';
export { GpuChallengeRunner, type GpuRunnerOptions } from './integrity/hardware/gpu-runner.js';
export type {
  IdentityObservation,
  ScoredPair,
  SybilCluster,
  SybilEvidence,
  SybilModel,
} from './integrity/sybil/api.js';
export {
  type ChallengeGroupOptions,
  challengeGroupsFromPairs,
  suggestChallengeGroups,
} from './integrity/sybil/challenge-groups.js';
export { clustersFromPairs, detectSybilClusters, scoreSybilPairs } from './integrity/sybil/detect.js';
export { SYBIL_FEATURES, type SybilFeature } from './integrity/sybil/features.js';
export { fitSybilModel, pairProbability } from './integrity/sybil/model.js';
export { type DetectionMetrics, detectionMetrics } from './integrity/sybil/simulation/metrics.js';
export {
  modelPolicy,
  runSybilSimulation,
  type SybilPolicy,
  type SybilRun,
  sameAddressRule,
} from './integrity/sybil/simulation/run.js';
export { trainingPairs } from './integrity/sybil/simulation/training.js';
export { TRAINED_SYBIL_MODEL } from './integrity/sybil/trained-model.js';
export type {
  JobEvent,
  JobFilter,
  JobPatch,
  JobRecord,
  JobStore,
  NewJob,
  TransitionOptions,
} from './jobs/api.js';
export { isTerminal, JOB_STATES, type JobState } from './jobs/job-states.js';
export { JOB_MESSAGES, JOBS_PROTOCOL } from './jobs/wire.js';
export { type ChildNode, startChildNode } from './localnet/child-node.js';
export {
  type DemoJob,
  type DemoModel,
  demoWorkload,
  type ExampleModule,
  exampleModulePath,
  NOTICE_IMAGE,
  readExampleModule,
  wasmDemoJobs,
} from './localnet/demo-workload.js';
export { boxBlur, countPrimes, hashChain } from './localnet/example-references.js';
export {
  LOCALNET_GRANTS,
  LOCALNET_REDEEM_THRESHOLD,
  type Localnet,
  type LocalnetOptions,
  type LocalnetParty,
  startLocalnet,
} from './localnet/localnet.js';
export { PROVIDER_PRESETS, type ProviderPreset, presetOf } from './localnet/provider-presets.js';
export { type DemoOptions, type DemoOutcome, runDemo } from './localnet/run-demo.js';
export {
  checkModelName,
  formatModelListing,
  type ModelListing,
  type ModelRuntime,
  parseModelListing,
} from './market/model-listing.js';
export { chargeFor, costPerSecond } from './market/pricing.js';
export {
  CoordinatorMesh,
  type CoordinatorMeshDeps,
  type MeshCoordinator,
  type MeshProvider,
} from './mesh/coordinator-mesh.js';
export type {
  Gossip,
  GossipHandler,
  GossipMeta,
  GossipStats,
  GossipTopicKinds,
  HandlerContext,
  IncomingMessage,
  MessageChannel,
  MessageHandler,
  PeerRef,
  PublishResult,
  RemotePeer,
  SendOptions,
} from './p2p/api.js';
export { DEFAULT_MAX_FRAME_BYTES } from './p2p/frames.js';
export {
  type BootstrapResult,
  createGossipHost,
  createP2PHost,
  DEFAULT_LISTEN,
  type GossipServices,
  type HostServices,
  type IdlegridLibp2p,
  type P2PHost,
  type P2PHostOptions,
} from './p2p/host.js';
export { libp2pKeyOfWallet, peerIdOfWallet, peerIdToAddress } from './p2p/identity.js';
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Libp2pChannelComponents,
  type Libp2pChannelOptions,
  Libp2pMessageChannel,
} from './p2p/libp2p-channel.js';
export { Libp2pGossip, type Libp2pGossipComponents, type Libp2pGossipOptions } from './p2p/libp2p-gossip.js';
export { GOSSIP_TOPICS, HEARTBEATS_TOPIC, OFFERS_TOPIC, protocolId } from './p2p/topics.js';
export { MALLOC_TUNABLES, mallocTuned, withTunedMalloc } from './process/malloc-tuning.js';
export { type Adversary, Cheater, parseAdversary } from './provider/adversary.js';
export type {
  ProviderDaemon,
  ProviderEvent,
  ProviderOptions,
  ProviderStats,
} from './provider/api.js';
export { ArtifactFetcher, type ArtifactFetcherOptions } from './provider/artifact-fetcher.js';
export { uploadArtifact } from './provider/artifact-upload.js';
export {
  type AvailabilityInputs,
  type AvailabilityPolicy,
  availabilitySpan,
  formatAvailability,
  isAvailable,
  parseAvailability,
} from './provider/availability.js';
export { startProvider } from './provider/daemon.js';
export { type EarningsSummary, EarningsWallet, type Redemption, vouchersPath } from './provider/earnings.js';
export {
  detectHardware,
  type GpuInfo,
  type Hardware,
  type HardwareOverrides,
  parseNvidiaSmi,
} from './provider/hardware.js';
export { ModelRegistry, type RegisteredModel } from './provider/model-registry.js';
export {
  DEFAULT_LIMITS,
  type Executor,
  type PreparedTask,
  type PrepareOptions,
  type ResourceLimits,
  type RunOptions,
  type RunRequest,
  type RunResult,
  type RuntimeName,
} from './runtimes/api.js';
export { createLlmExecutor, type LlmExecutor, type LlmTask } from './runtimes/llm/llm-executor.js';
export { OCR_MODEL_NAME, ocrModelCid } from './runtimes/onnx/ocr-model-id.js';
export { createOnnxExecutor, type OnnxExecutor } from './runtimes/onnx/onnx-executor.js';
export { loadBundle, saveBundle } from './runtimes/tfjs/model-bundle.js';
export { loadTfjs } from './runtimes/tfjs/tfjs-loader.js';
export {
  createWasmExecutor,
  WASM_PROGRAM_NAME,
  type WasmExecutorOptions,
} from './runtimes/wasm/wasm-executor.js';
export { SCRATCH_MOUNT } from './runtimes/wasm/worker-source.js';
export type {
  CandidateScore,
  ExclusionReason,
  JobRequest,
  PlacementDecision,
  PlacementOutcome,
  PolicyName,
  ProviderProfile,
  Telemetry,
  UnitPrices,
} from './scheduler/api.js';
export { FAILURE_FEATURES, FailurePredictor } from './scheduler/failure-predictor.js';
export { RuntimePredictor } from './scheduler/runtime-predictor.js';
export { Scheduler, type SchedulerOptions } from './scheduler/scheduler.js';
export { DEFAULT_WEIGHTS, type ScoreWeights } from './scheduler/scoring.js';
export { type ArtifactInfo, ArtifactStore } from './storage/artifact-store.js';
export { type CoordinatorStore, openCoordinatorStore, openJobStore } from './store/open-store.js';
export {
  type ComparedResult,
  DISPUTE_QUORUM,
  exactComparator,
  majority,
  outcomeDigest,
  type ResultComparator,
  toleranceComparator,
  verdict,
} from './verify/compare.js';
export { type CheatTerms, cheatingGain, minimumAuditProbability } from './verify/economics.js';
export {
  formatVerification,
  MAX_REPLICAS,
  parseVerification,
  policyForConfidence,
  type VerificationPolicy,
} from './verify/policy.js';
export { type Outcome, ReputationBook, type ReputationOptions } from './verify/reputation.js';
