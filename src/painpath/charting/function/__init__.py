"""The episode function view: pain, instrument scores with the minimal-important-change line, tolerances over time."""
