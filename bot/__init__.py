"""The framework-free core of the prescreening chatbot: no Rasa imports here."""
