"""The notice every release carries against redisclosure (US 42 CFR 2.32, as revised in 2024).

42 CFR 2.32 ("Notice and copy of consent to accompany disclosure", final rule of 16 February 2024,
89 FR 12472) has each disclosure made with the patient's written consent carry one of two written
statements whose wording the rule prescribes, (a)(1) "Statement 1" or (a)(2) "Statement 2", and
(b) a copy of the consent or a clear explanation of its scope.

We send Statement 2, in the rule's own words, because the rule prescribes the text. Status of the
wording: the 2018 text of (a)(2) ("42 CFR part 2 prohibits unauthorized disclosure of these
records") and the 2024 section's title and two-statement structure were confirmed in stored copies
of the rule. The 2024 words "use or disclosure" in Statement 2, and paragraph (b), were found the
same in several independent secondary copies (a compliance text quoting the 2024 section, an
insurer's authorization form, software verified against the rule in 2026), though not read in
the Federal Register itself: check it there before relying on it in the United States. The explanation that follows it is
in our own words, and the package also carries the consents themselves (FHIR Consent) for (b).
"""

from __future__ import annotations

RULE = "42 CFR 2.32(a)(2), as revised by the final rule of 16 February 2024 (89 FR 12472)"
# Prescribed wording (Statement 2): not to be paraphrased.
STATEMENT = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
# Our own words (42 CFR 2.32(b): the scope of the consent goes with the records).
EXPLANATION = (
    "These records come from a substance use disorder treatment programme and are sent to you "
    "only because the patient consented to this release, for the recipient and purpose named "
    "here. You may not pass them on, or use them for anything else, unless the patient consents "
    "in writing or the federal rules otherwise allow it. The patient's consent, with what it "
    "covers and until when, is part of this package."
)
