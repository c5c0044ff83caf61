"""What the trials found, as the public report quotes it (CLINIC.md §8; docs/domain.md §8).

Each figure names its source (the keys of docs/domain.md's Sources) and its status in
research/outcomes.md (all five are marked confirmed there: read in a retrieved source). A figure
the notes mark otherwise is not shown to the public.
"""

from __future__ import annotations

TRIALS: list[dict[str, str]] = [
    {
        "trial": "NAOMI (Vancouver and Montreal, Canada)",
        "finding": "After 12 months, 87.8% of people given diacetylmorphine were still in "
        "addiction treatment, against 54.1% of those given methadone.",
        "source": "Oviedo-Joekes et al., New England Journal of Medicine 2009 [S13]",
        "status": "confirmed",
    },
    {
        "trial": "SALOME (Vancouver, Canada)",
        "finding": "Days of street-heroin use fell to about 3 to 5 a month at 6 months, and "
        "days of illegal activity from 14.1 to under 4 a month, with hydromorphone as with "
        "diacetylmorphine.",
        "source": "Oviedo-Joekes et al., JAMA Psychiatry 2016 [S14]",
        "status": "confirmed",
    },
    {
        "trial": "German heroin trial",
        "finding": "After 12 months, 67.2% of people given diacetylmorphine were still in "
        "treatment, against 40.0% of those given methadone.",
        "source": "Haasen et al., British Journal of Psychiatry 2007 [S36]",
        "status": "confirmed",
    },
    {
        "trial": "RIOTT (England)",
        "finding": "After 26 weeks, 88% of people given injectable heroin were still in "
        "treatment, against 81% with injectable methadone and 69% with oral methadone.",
        "source": "Strang et al., Lancet 2010 [S8]",
        "status": "confirmed",
    },
    {
        # Not the per-100-injection-day rates of CLINIC.md §8 (4.90, 1.47, 0.571, 0.211): the
        # research notes did not retrieve them (trials.toml marks them unconfirmed). This count is
        # confirmed there (research/outcomes.md, its S17).
        "trial": "Starting treatment (Canada)",
        "finding": "Across three Canadian studies, the first days of treatment brought 5 "
        "overdoses that needed naloxone in 2,993 injections (4 with diacetylmorphine, 1 with "
        "hydromorphone), and no deaths.",
        "source": "Summary of three Canadian induction studies [S48]",
        "status": "confirmed",
    },
]

CAVEAT = (
    "A clinic's own figures are not a trial: its patients were not chosen at random, and one "
    "month of one clinic is a small number of people. They show what happens here, beside what "
    "the trials found elsewhere."
)
