"""Organisation settings: the review threshold and whether reviewers' corrections are learnt."""
