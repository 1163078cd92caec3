/** Container image references: `registry:5000/team/app:1.2@sha256:…`. */
export interface ImageReference {
  /** Repository with its registry, without tag or digest. */
  name: string;
  tag?: string;
  digest?: string;
}

/** Splits an image reference into name, tag and digest (a `:` after the last `/` starts the tag). */
export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const named = at === -1 ? image : image.slice(0, at);
  const colon = named.lastIndexOf(':');
  const tag = colon > named.lastIndexOf('/') ? named.slice(colon + 1) : undefined;
  return { name: tag === undefined ? named : named.slice(0, colon), tag, digest };
}

/** The repository path without the registry host: `ghcr.io/flyway/flyway:10@sha256:…` → `flyway/flyway`. */
export function repositoryPath(image: string): string {
  const parts = parseImageReference(image).name.split('/');
  // A first segment with a dot or a port is a registry host.
  if (parts.length > 1 && isRegistryHost(parts[0]!)) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** The repository as Docker resolves it: `nginx` and `docker.io/library/nginx` are the same. */
export function canonicalRepository(name: string): string {
  const parts = name.split('/');
  if (parts.length === 1) return `docker.io/library/${name}`;
  if (!isRegistryHost(parts[0]!)) return `docker.io/${name}`;
  return name;
}

function isRegistryHost(segment: string): boolean {
  return /[.:]/.test(segment) || segment === 'localhost';
}

/** An image reference for a message: a digest shortened to its first 8 hex digits (`app@sha256:3d5d4763…`). */
export function shortImage(image: string): string {
  return image.replace(/@sha256:([0-9a-f]{8})[0-9a-f]{56}/g, '@sha256:$1…');
}

/** The part of an image reference people recognise: `ghcr.io/bookstore/catalog:1.4.2@sha256:…` → `catalog:1.4.2`. */
export function imageName(image: string): string {
  const ref = parseImageReference(image);
  const last = ref.name.slice(ref.name.lastIndexOf('/') + 1);
  return ref.tag ? `${last}:${ref.tag}` : ref.digest ? `${last}@${ref.digest.slice(0, 'sha256:'.length + 8)}…` : last;
}
