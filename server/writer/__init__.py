"""The hall's writer: one owner of every change to the live queues, committing in batches."""

from .batch import Writer, WriterUnavailable
from .channel import LocalPort, RemotePort, WriterPort, WriterServer
from .commands import Command

__all__ = ["Command", "LocalPort", "RemotePort", "Writer", "WriterPort", "WriterServer",
           "WriterUnavailable"]
