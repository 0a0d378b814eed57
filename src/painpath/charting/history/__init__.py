"""The patient's history: work and its physical demands, sports, surgeries, injuries, habits, prior treatments."""
