"""Use cases of the hall server: one function per thing a person or device does.

Each runs inside one transaction handed in as a Session, writes its audit rows and live
events in that transaction, and raises QueueError with a stable code when it cannot apply.
Routers translate; they decide nothing.
"""
