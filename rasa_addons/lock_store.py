"""AtomicRedisLockStore: Rasa's Redis lock store, with its ticket changes made atomic.

Rasa Open Source's RedisLockStore issues a ticket by reading the conversation's lock,
adding a ticket and writing it back: two Rasa instances that receive a message for the
same conversation at the same moment can both read "no tickets", both get ticket 0 and
both process at once, and then one turn's events are lost (measured: 1 of 7 runs of
tests/e2e/test_multi_instance.py). Here every read-modify-write of a lock runs in a
Redis transaction (WATCH/MULTI/EXEC, retried when another instance changed the lock in
between), so tickets are unique and turns of one conversation run one at a time.
Configured by the launcher (bot/stack.py) when REDIS_HOST is set.
"""
from __future__ import annotations

import json
from typing import Callable, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import WatchError

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _transact(self, conversation_id: Text,
                  change: Callable[[Optional[TicketLock]], Tuple[T, Optional[TicketLock]]]) -> T:
        """Apply `change` to the stored lock atomically; it returns (result, lock to store or None to delete)."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    result, lock = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another instance changed this lock meanwhile: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]):
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock
        return self._transact(conversation_id, issue)

    def update_lock(self, conversation_id: Text) -> None:
        def expire(lock: Optional[TicketLock]):
            if lock:
                lock.remove_expired_tickets()
            return None, lock
        self._transact(conversation_id, expire)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]):
            if lock:
                lock.remove_ticket_for(ticket_number)
            return None, lock if lock and lock.is_someone_waiting() else None
        self._transact(conversation_id, finish)
