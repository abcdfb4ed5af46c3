"""rasa_addons.lock_store.AtomicRedisLockStore against the real Redis on 127.0.0.1: tickets stay unique when
many lock stores (as in many Rasa instances) issue them for one conversation at the same moment."""
import threading
import uuid

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.lock_store import AtomicRedisLockStore


def issue_at_once(stores, conversation):
    start, tickets = threading.Barrier(len(stores)), []

    def issue(store):
        start.wait()
        tickets.append(store.issue_ticket(conversation))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tickets


def test_tickets_are_unique_under_simultaneous_requests(redis_host):
    config = EndpointConfig(url=redis_host["REDIS_HOST"], port=int(redis_host["REDIS_PORT"]), db=1,
                            key_prefix=redis_host["REDIS_KEY_PREFIX"])
    stores = [AtomicRedisLockStore(config) for _ in range(8)]
    for attempt in range(20):
        conversation = f"c{uuid.uuid4().hex}"
        tickets = issue_at_once(stores, conversation)
        assert sorted(tickets) == list(range(8)), attempt
        for ticket in tickets:
            stores[0].cleanup(conversation, ticket)
        assert stores[0].get_lock(conversation) is None  # the last one out deletes the lock


def test_rasas_own_redis_lock_store_hands_out_duplicate_tickets(redis_host):
    """Why the atomic one exists: Rasa's read-modify-write gives two instances the same ticket."""
    stores = [RedisLockStore(host=redis_host["REDIS_HOST"], port=int(redis_host["REDIS_PORT"]), db=1,
                             key_prefix=redis_host["REDIS_KEY_PREFIX"]) for _ in range(8)]
    duplicates = sum(len(set(issue_at_once(stores, f"c{uuid.uuid4().hex}"))) < 8 for _ in range(20))
    assert duplicates > 0
