"""Rasa-side extensions, loaded by the Rasa server from config.yml and endpoints.yml.

They close gaps Rasa Open Source leaves open (ARCHITECTURE.md): a tracker store
that fails closed instead of falling back to memory and keeps no text typed
before consent, a policy that tells the volunteer when something on our side is
down instead of going silent, and a size cap in front of the NLU pipeline.
The rules they apply come from bot/ (no Rasa there); only the wiring lives here.
"""

from rasa_addons import speedups

speedups.install()  # two of Rasa's per-turn costs, removed (see rasa_addons/speedups.py)
