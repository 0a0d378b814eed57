"""Care plans: an episode follows a pathway step by step; each step is judged on its success measure and the next proposed."""
