/** A model repository on the hub at one revision. */
export interface RepoRef {
  /** `owner/name`. */
  repo: string;
  /** Branch, tag or commit hash. */
  revision: string;
}

/** The model `chat` and `generate` use when `--model` is absent: MiniChat-2-3B at 4.0 bpw. */
export const DEFAULT_MODEL = 'cgus/MiniChat-2-3B-exl2';
/** Revision used when a repo id names no branch. */
export const DEFAULT_REVISION = 'main';

/** Maximum length of an owner or repository name accepted here; a longer one is not a hub name. */
const MAX_REPO_PART_LENGTH = 96;
/** Maximum revision length accepted here. Git does not limit refs, but a longer one is surely a typo. */
const MAX_REVISION_LENGTH = 255;

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REVISION = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

/** Returns whether `part` is a valid owner or repository name. */
function isRepoPart(part: string): boolean {
  return part.length <= MAX_REPO_PART_LENGTH && REPO_PART.test(part) && !part.includes('..');
}

/** Returns whether `revision` is a plausible branch, tag or commit hash. */
function isRevision(revision: string): boolean {
  return (
    revision.length <= MAX_REVISION_LENGTH &&
    REVISION.test(revision) &&
    !revision.includes('..') &&
    !revision.endsWith('/')
  );
}

/**
 * Parses `owner/name` or `owner/name@revision`, as in `cgus/MiniChat-2-3B-exl2@5bpw-h8`.
 * Returns `undefined` when `text` is not in that form, so callers can try other readings.
 */
export function parseRepoRef(text: string): RepoRef | undefined {
  const at = text.indexOf('@');
  const repo = at === -1 ? text : text.slice(0, at);
  const revision = at === -1 ? DEFAULT_REVISION : text.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length !== 2 || !parts.every(isRepoPart)) return undefined;
  if (!isRevision(revision)) return undefined;
  return { repo, revision };
}

/** Formats a reference the way users type it: `owner/name`, or `owner/name@revision` off main. */
export function formatRepoRef(ref: RepoRef): string {
  return ref.revision === DEFAULT_REVISION ? ref.repo : `${ref.repo}@${ref.revision}`;
}
