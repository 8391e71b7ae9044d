"""Vectors on the wire to and from PostgreSQL: pgvector's binary format (dimension, unused, float4
big-endian) both ways, and its text format read."""

from __future__ import annotations

import struct

import numpy as np
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format


class VectorDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj) -> bytes:
        values = np.asarray(obj, dtype=">f4").ravel()
        return struct.pack(">HH", values.size, 0) + values.tobytes()


class VectorLoader(Loader):
    format = Format.BINARY

    def load(self, data) -> np.ndarray:
        size = struct.unpack_from(">H", data)[0]
        return np.frombuffer(bytes(data), dtype=">f4", count=size, offset=4).astype(np.float32)


class VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data) -> np.ndarray:
        return np.array(bytes(data).decode().strip("[]").split(","), dtype=np.float32)
