"""Session cookie tokens in itsdangerous' ``URLSafeTimedSerializer`` format, without its layers.

A token is ``payload.timestamp.signature``: the payload is the serialized data
in URL-safe base64 without padding (zlib-compressed and prefixed with ``.``
when that makes it shorter), the timestamp the signing time in seconds as
big-endian bytes in the same base64, and the signature the HMAC of everything
before it with a key derived from the secret key and the salt.

:class:`SigningCodec` reads and writes exactly these tokens (the tests check it
against itsdangerous and against Flask both ways); it only skips the work
itsdangerous repeats on every call: building a signer, deriving the key, going
through ``hmac.HMAC``'s Python methods, and trying zlib on payloads that
provably cannot get shorter.
"""

from __future__ import annotations

import binascii
import hmac
import math
import time
import typing as t
import zlib
from collections import Counter

from itsdangerous import TimestampSigner

__all__ = ["SigningCodec", "may_compress"]

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"===", b"==", b"=")


def _b64encode(data: bytes) -> bytes:
    """URL-safe base64 without the ``=`` padding, as itsdangerous writes it."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _b64decode(data: bytes) -> bytes | None:
    """Decode what :func:`_b64encode` wrote, as leniently as itsdangerous; None if invalid."""
    try:
        return binascii.a2b_base64(data.translate(_FROM_URLSAFE) + _PADDING[len(data) % 4])
    except binascii.Error:
        return None


_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


def _hmac_pads(key: bytes, digest_method: t.Any) -> tuple[t.Any, t.Any]:
    """The inner and outer hashes of an HMAC (RFC 2104) keyed with ``key``.

    An HMAC of ``value`` is then ``outer.copy()`` updated with the digest of
    ``inner.copy()`` updated with ``value``: five calls into C, where
    ``hmac.HMAC.copy`` and its methods add as many Python frames, and half the
    instructions of the one-shot ``hmac.digest`` (which sets up OpenSSL's
    HMAC context on every call): 9.6k against 19.9k under callgrind, for SHA-1.

    Raises:
        ValueError: the hash cannot be used this way (the result would differ
            from :func:`hmac.new`'s).
    """
    inner = digest_method()
    outer = digest_method()
    block_size = getattr(inner, "block_size", None)
    if not isinstance(block_size, int) or not hasattr(inner, "copy"):
        raise ValueError(f"cannot build an HMAC from {digest_method!r}")
    if len(key) > block_size:
        key = digest_method(key).digest()
    key = key.ljust(block_size, b"\0")
    inner.update(key.translate(_INNER_PAD))
    outer.update(key.translate(_OUTER_PAD))
    probe = inner.copy()
    probe.update(b"probe")
    check = outer.copy()
    check.update(probe.digest())
    if check.digest() != hmac.new(key, b"probe", digest_method).digest():
        raise ValueError(f"cannot build an HMAC from {digest_method!r}")
    return inner, outer


class SigningCodec:
    """Dump and load signed, timestamped tokens for one secret key configuration.

    ``secret_keys`` lists the keys oldest first: the last one signs, all of them
    verify (newest first), as in itsdangerous. ``serializer`` must turn data
    into text (``dumps`` returns ``str``), like the session's tagged JSON.

    Raises:
        ValueError: ``digest_method`` is not a hash the codec can key an HMAC with;
            use itsdangerous' serializer then.
    """

    __slots__ = ("_pads", "_serializer", "_stamp")

    def __init__(
        self,
        secret_keys: list[str] | list[bytes],
        salt: str | bytes,
        serializer: t.Any,
        key_derivation: str,
        digest_method: t.Any,
    ) -> None:
        # itsdangerous itself derives the keys, so every derivation it knows gives
        # the same keys here.
        signer = TimestampSigner(
            secret_keys, salt=salt, key_derivation=key_derivation, digest_method=digest_method
        )
        self._pads = [
            _hmac_pads(signer.derive_key(key), digest_method)
            for key in reversed(signer.secret_keys)
        ]
        self._serializer = serializer
        #: The current second and its encoding, replaced together (threads share it).
        self._stamp: tuple[int, bytes] = (-1, b"")

    def dumps(self, data: t.Any) -> str:
        """Serialize, sign and timestamp ``data``; the token is ASCII text."""
        payload = self._serializer.dumps(data).encode()
        if may_compress(payload):
            compressed = zlib.compress(payload)
            if len(compressed) < len(payload) - 1:
                payload = b"." + _b64encode(compressed)
            else:
                payload = _b64encode(payload)
        else:
            payload = _b64encode(payload)
        now = int(time.time())
        stamp = self._stamp
        if stamp[0] != now:
            encoded = _b64encode(now.to_bytes((now.bit_length() + 7) // 8, "big"))
            stamp = self._stamp = (now, encoded)
        value = b"%s.%s" % (payload, stamp[1])
        inner, outer = self._pads[0]
        inner = inner.copy()
        inner.update(value)
        outer = outer.copy()
        outer.update(inner.digest())
        return (b"%s.%s" % (value, _b64encode(outer.digest()))).decode("ascii")

    def loads(self, token: str, max_age: int | None) -> t.Any:
        """The data of a valid ``token`` signed at most ``max_age`` seconds ago, else None.

        None stands for every way a token can be bad: malformed, signed with
        another key, expired, or holding a payload that does not load.
        """
        try:
            signed = token.encode()
        except UnicodeEncodeError:
            return None
        value, dot, encoded_signature = signed.rpartition(b".")
        if not dot:
            return None
        signature = _b64decode(encoded_signature)
        if signature is None:
            return None
        for inner, outer in self._pads:
            inner = inner.copy()
            inner.update(value)
            outer = outer.copy()
            outer.update(inner.digest())
            if hmac.compare_digest(signature, outer.digest()):
                break
        else:
            return None
        payload, dot, encoded_stamp = value.rpartition(b".")
        if not dot:
            return None
        stamp = _b64decode(encoded_stamp)
        # itsdangerous reads the timestamp as an unsigned 64-bit number.
        if stamp is None or len(stamp) > 8:
            return None
        if max_age is not None:
            age = int(time.time()) - int.from_bytes(stamp, "big")
            if age > max_age or age < 0:
                return None
        compressed = payload[:1] == b"."
        raw = _b64decode(payload[1:] if compressed else payload)
        if raw is None:
            return None
        try:
            if compressed:
                raw = zlib.decompress(raw)
            return self._serializer.loads(raw.decode())
        except Exception:
            return None


# -- when zlib is worth trying
#
# itsdangerous compresses a payload when zlib's output (2 bytes of header, the
# DEFLATE stream, 4 of checksum) is at least 2 bytes shorter, that is when the
# DEFLATE stream has at most n - 8 bytes. Starting zlib costs far more than
# signing a small payload, so ``may_compress`` first proves, for small payloads,
# that no DEFLATE encoder can get there:
#
# - n <= 11: a stored block takes n + 5 bytes; a fixed-code block at least
#   3 + 8 (a first literal) + 12 (one match) + 7 (end of block) bits, 4 bytes;
#   a dynamic block at least its 29 bits of header plus two codes, 4 bytes.
#   None fits in n - 8 <= 3.
# - No 3-byte sequence occurring twice: no match is possible (matches are 3
#   bytes or longer), so every byte is a literal. Stored and fixed-code blocks
#   then take at least n + 2 bytes. A dynamic block takes its header (29 bits),
#   the description of the literal code (each run of zero or non-zero code
#   lengths costs at least the bits counted in ``_ZERO_RUN_BITS`` or one), at
#   least one bit for the distance code and one for the end of block, and for
#   the literals at least n times their empirical entropy (no prefix code does
#   better, by Gibbs' inequality). If that sum exceeds 8 (n - 8) bits, zlib
#   cannot win.
#
# The bound holds for one DEFLATE block, which is what zlib writes for input this
# small; payloads over 256 bytes always go to zlib.


def _zero_run_bits(limit: int) -> list[int]:
    """The fewest bits that can encode a run of z zero code lengths, for z up to ``limit``.

    Code-length symbols cost at least one bit: a literal 0 covers one entry,
    16 (two extra bits) 3 to 6, 17 (three extra bits) 3 to 10, and 18 (seven
    extra bits) 11 to 138.
    """
    bits = [0] * (limit + 1)
    for z in range(1, limit + 1):
        best = bits[z - 1] + 1
        for cover, cost in ((range(3, 7), 3), (range(3, 11), 4), (range(11, 139), 8)):
            for m in cover:
                if m > z:
                    break
                best = min(best, bits[z - m] + cost)
        bits[z] = best
    return bits


_ZERO_RUN_BITS = _zero_run_bits(256)
_MAX_PROVABLE = 256
_C_LOG_C = [0.0] + [c * math.log2(c) for c in range(1, _MAX_PROVABLE + 1)]
# Block header (3), HLIT + HDIST + HCLEN (14), at least four 3-bit code-length
# codes (12), the distance code (1) and the end-of-block code (1).
_FIXED_BITS = 31


def may_compress(data: bytes) -> bool:
    """False when zlib provably cannot make ``data`` 2 or more bytes shorter."""
    n = len(data)
    if n <= 11:
        return False
    if n > _MAX_PROVABLE:
        return True
    if len({data[i : i + 3] for i in range(n - 2)}) != n - 2:
        return True
    counts = Counter(data)
    # n * entropy = n log2 n - sum(c log2 c); the small slack absorbs rounding.
    bits = _FIXED_BITS + n * math.log2(n) - sum(map(_C_LOG_C.__getitem__, counts.values()))
    bits -= 1e-6
    previous = -1
    # Byte values used, then the end-of-block symbol 256, which is always used.
    for symbol in (*sorted(counts), 256):
        gap = symbol - previous - 1
        if gap or previous < 0:
            # Zeros before this symbol, then a new run of non-zero lengths.
            bits += _ZERO_RUN_BITS[gap] + 1
        previous = symbol
    return bits <= 8 * (n - 8)
