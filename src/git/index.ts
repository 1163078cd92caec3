export { GitRepo, ok, fail, type Result, type GitProblem, type HeadState, type CommitInfo } from './repo';
export { resolveBase, type BaseInfo, type BaseOptions, type BaseProblem, type BaseSource } from './base';
export { listChanges, releaseInput, type HeadSide, type ReleaseInputOptions } from './changes';
export { schemaChangesBetween, schemaCheck, findWorkloadManifests, sameImage, workloadImages, type SchemaCheck, type SchemaCheckInput, type SchemaChanges, type MigrationChange, type WorkloadKey, type SchemaChangesProblem } from './schemaChanges';
export { revertCommit, commitOnNewBranch, type RevertOptions, type RevertResult, type RevertProblem, type FileContent, type CommitResult, type CommitProblem } from './write';
export type { BlameLine } from './parse';
export { liveMatch, revisionCommit, type LiveMatch } from './liveMatch';
export { excludeFromGit } from './exclude';
export { revisionConfig, revisionObjects, configOfRevision, objectsOfRevision, type RevisionConfig, type RevisionConfigResult, type RevisionObjectsResult } from './revisionConfig';
