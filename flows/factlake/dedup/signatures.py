"""Near-duplicate signatures kept between runs, and the LSH candidate search over them as arrays.

Shingling every body and hashing every shingle into a MinHash signature is most of near-duplicate
detection, and it depends on nothing but the body's normalized text (``body_sha256``) and the shingle and
MinHash settings. A :class:`SignatureCache` therefore keeps, per ``body_sha256``, the number of distinct
shingles (which decides whether a body takes part at all) and the signature's hash values; an incremental
run signs only bodies it has not seen. The cache lives in ``DIR/.cache/signatures.parquet`` next to the
extraction cache, is replaced atomically (written to a temporary file, then renamed) and, like it, is only
an accelerator: a missing, unreadable or differently keyed file means signing every body again.

The candidate search runs on all signatures again (cheap once they are arrays, far cheaper than signing):
:class:`BandIndex` proposes the same candidates as ``datasketch.MinHashLSH`` with the same bands (two
signatures are candidates when they agree on every hash value of at least one band), so the duplicate
groups of an incremental run equal those of a full rebuild by construction.
"""

from __future__ import annotations

import functools
import importlib.metadata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from datasketch import MinHashLSH

from factlake.cache import CACHE_DIR
from factlake.config import DedupConfig
from factlake.keyed_cache import read_keyed_table, write_keyed_table
from factlake.records import stable_id

SIGNATURE_FILE = "signatures.parquet"

#: Version of what a cached signature is made of (:func:`factlake.dedup.articles.word_shingles`, the
#: MinHash scheme and seed); raise it when either changes, so older caches are ignored.
SIGNATURE_VERSION = "1"

#: Schema metadata field holding the cache's :func:`signature_key`.
_KEY_FIELD = b"factlake_signature_key"


def signature_key(config: DedupConfig) -> str:
    """What decides a body's signature besides its normalized text: shingle size, permutations, scheme."""
    from factlake.dedup.articles import MINHASH_SEED

    return stable_id(
        "minhash",
        SIGNATURE_VERSION,
        config.shingle_size,
        config.num_perm,
        MINHASH_SEED,
        importlib.metadata.version("datasketch"),
    )


@dataclass
class SignatureCache:
    """Shingle counts and MinHash hash values by ``body_sha256``, for one :func:`signature_key`.

    Attributes:
        key: The signature key the entries were made with.
        shingle_counts: Distinct shingles of each body.
        hashvalues: The MinHash hash values of each body (``num_perm`` unsigned 64-bit integers).
        used: Bodies looked up or added in this run: what :func:`save_signatures` keeps.
        signed: Bodies signed in this run by :func:`body_signatures` (the rest came from the cache).
        added: Bodies signed in this run elsewhere (:func:`add_signatures`: by the extraction workers).
    """

    key: str
    shingle_counts: dict[str, int] = field(default_factory=dict)
    hashvalues: dict[str, np.ndarray] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    signed: int = 0
    added: set[str] = field(default_factory=set)

    def stats(self) -> dict[str, int]:
        """Counts for the manifest: distinct bodies of the run, bodies signed in this run (here or with
        their extraction), bodies from the cache."""
        signed = self.signed + len(self.added & self.used)
        return {"bodies": len(self.used), "signed": signed, "from_cache": len(self.used) - signed}


def load_signatures(dataset: Path, config: DedupConfig) -> SignatureCache:
    """The signature cache of a dataset for ``config`` (empty when missing, unreadable or keyed otherwise)."""
    key = signature_key(config)
    table = read_keyed_table(dataset / CACHE_DIR / SIGNATURE_FILE, _KEY_FIELD, key)
    if table is None or table.num_rows == 0:
        return SignatureCache(key)
    hashes = table.column("body_sha256").to_pylist()
    counts = table.column("n_shingles").to_numpy().tolist()
    values = table.column("hashvalues").combine_chunks().flatten().to_numpy()
    matrix = values.reshape(table.num_rows, -1)
    if matrix.shape[1] != config.num_perm:
        return SignatureCache(key)
    return SignatureCache(
        key,
        shingle_counts=dict(zip(hashes, counts, strict=True)),
        hashvalues=dict(zip(hashes, matrix, strict=True)),
    )


def save_signatures(dataset: Path, cache: SignatureCache) -> None:
    """Replace the dataset's signature cache with the bodies ``cache`` used in this run, atomically."""
    hashes = sorted(cache.used)
    width = len(next(iter(cache.hashvalues.values()))) if hashes else 0
    matrix = np.array([cache.hashvalues[body] for body in hashes], dtype=np.uint64).reshape(-1)
    table = pa.table(
        {
            "body_sha256": pa.array(hashes, pa.string()),
            "n_shingles": pa.array([cache.shingle_counts[body] for body in hashes], pa.int32()),
            "hashvalues": pa.FixedSizeListArray.from_arrays(pa.array(matrix, pa.uint64()), max(1, width)),
        }
    )
    write_keyed_table(dataset / CACHE_DIR / SIGNATURE_FILE, table, _KEY_FIELD, cache.key)


def body_signatures(
    bodies: list[str], body_hashes: list[str], config: DedupConfig, cache: SignatureCache | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle counts and MinHash hash values of distinct bodies, signing only those ``cache`` lacks.

    Args:
        bodies: Distinct bodies (one per ``body_sha256``).
        body_hashes: Their ``body_sha256``.
        config: Shingle size and permutations.
        cache: Signatures of earlier runs; bodies signed now are added to it. None: sign every body.

    Returns:
        The number of distinct shingles of every body, and a ``len(bodies)`` × ``num_perm`` matrix of
        hash values (the signatures of bodies too short to take part are computed all the same: they are
        cheap, and the cache then need not depend on ``near_duplicate_min_shingles``).
    """
    cache = cache if cache is not None else SignatureCache(signature_key(config))
    missing = [
        position for position, body_hash in enumerate(body_hashes) if body_hash not in cache.hashvalues
    ]
    fresh_counts, fresh = sign_bodies([bodies[position] for position in missing], config)
    for position, count, hashvalues in zip(missing, fresh_counts, fresh, strict=True):
        cache.shingle_counts[body_hashes[position]] = int(count)
        cache.hashvalues[body_hashes[position]] = hashvalues
    cache.signed += len(missing)
    cache.used.update(body_hashes)
    counts = np.array([cache.shingle_counts[body_hash] for body_hash in body_hashes], dtype=np.int64)
    matrix = np.array([cache.hashvalues[body_hash] for body_hash in body_hashes], dtype=np.uint64)
    return counts, matrix.reshape(len(body_hashes), config.num_perm)


def sign_bodies(bodies: list[str], config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Distinct shingles and MinHash hash values of every body, signed anew (no cache).

    Pure: what a body's cache entry holds, wherever it is computed (the extraction workers sign the
    articles they extract, :func:`body_signatures` the bodies the cache lacks).

    Returns:
        The number of distinct shingles of every body and a ``len(bodies)`` × ``num_perm`` matrix of
        hash values.
    """
    from factlake.dedup.articles import minhash_signatures, word_shingles

    shingle_sets = [word_shingles(body, config.shingle_size) for body in bodies]
    signed = minhash_signatures(shingle_sets, config)
    counts = np.array([len(shingles) for shingles in shingle_sets], dtype=np.int64)
    matrix = np.array([signature.hashvalues for signature in signed], dtype=np.uint64)
    return counts, matrix.reshape(len(bodies), config.num_perm)


def add_signatures(
    cache: SignatureCache, body_hashes: list[str], counts: np.ndarray, matrix: np.ndarray
) -> int:
    """Add bodies signed elsewhere (:func:`sign_bodies`) to ``cache``, those it lacks; how many were new.

    They are not marked used: only the bodies the stage looks up are kept by :func:`save_signatures` and
    counted as signed in this run.
    """
    added = 0
    for body_hash, count, hashvalues in zip(body_hashes, counts.tolist(), matrix, strict=True):
        if body_hash not in cache.hashvalues:
            cache.shingle_counts[body_hash] = count
            cache.hashvalues[body_hash] = hashvalues
            cache.added.add(body_hash)
            added += 1
    return added


@functools.cache
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band that ``datasketch.MinHashLSH`` chooses for ``threshold`` and ``num_perm``."""
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


class BandIndex:
    """Signatures grouped by each band's hash values: the candidates of ``datasketch.MinHashLSH``.

    Band ``i`` covers hash values ``i * rows`` to ``(i + 1) * rows``; two signatures are candidates when
    they agree on all values of some band (the LSH index's bucket keys are those values' bytes).
    """

    def __init__(self, matrix: np.ndarray, bands: int, rows: int) -> None:
        self._members: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        self._bucket_of: list[np.ndarray] = []
        shared = np.zeros(len(matrix), dtype=bool)
        for band in range(bands):
            values = np.ascontiguousarray(matrix[:, band * rows : (band + 1) * rows])
            keys = values.view(np.dtype((np.void, values.dtype.itemsize * rows))).ravel()
            _, bucket_of, sizes = np.unique(keys, return_inverse=True, return_counts=True)
            bucket_of = bucket_of.ravel()
            shared |= sizes[bucket_of] > 1
            self._bucket_of.append(bucket_of)
            self._members.append(np.argsort(bucket_of, kind="stable"))
            self._starts.append(np.concatenate(([0], np.cumsum(sizes))))
        self._shared = shared

    def query(self, position: int) -> np.ndarray:
        """Sorted positions of the signatures sharing a band with ``position``'s (itself included)."""
        if not self._shared[position]:
            return np.array([position], dtype=np.int64)
        found = []
        for bucket_of, members, starts in zip(self._bucket_of, self._members, self._starts, strict=True):
            bucket = bucket_of[position]
            found.append(members[starts[bucket] : starts[bucket + 1]])
        return np.unique(np.concatenate(found))
