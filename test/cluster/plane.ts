/**
 * The control plane integration tests run against: real etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok built from the Go modules
 * pinned in this directory (see README.md). Implementation: scripts/cluster/.
 *
 *   const plane = await startPlane();          // builds once, then ~seconds
 *   await plane.kubectl(['get', 'nodes']);
 *   await plane.stop();
 */
export {
  startPlane,
  stopPlane,
  attachPlane,
  planeStatus,
  readState,
  defaultStateDir,
  CONTEXTS,
  COMPONENTS,
  KUBE_CONTROLLERS,
  FAKE_NODE_ANNOTATION,
  type Plane,
  type PlaneOptions,
  type PlaneState,
  type PlaneStatus,
  type Component,
  type KubectlOptions,
  type KubectlResult,
} from '../../scripts/cluster/plane';
export {
  ensureBuilt,
  builtBinaries,
  pinnedVersions,
  cacheRoot,
  BINARY_NAMES,
  type BuildOptions,
  type BuildResult,
  type Binaries,
  type BinaryName,
  type PinnedVersions,
} from '../../scripts/cluster/build';
export { CRD_SOURCES, crdFiles, type CrdSource } from '../../scripts/cluster/crds';
