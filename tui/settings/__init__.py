"""The user's settings: the config file, saved connections and their passwords, recent databases.

Nothing here imports Textual: the command line reads and checks all of it before the UI starts.
"""
