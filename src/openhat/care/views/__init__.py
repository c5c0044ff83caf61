"""Care pages: the care plan with its goals and reviews, referrals, and the partner directory."""
