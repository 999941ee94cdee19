"""The words the refusals and reports use for the values they name: amounts in kroner, phases,
tally rules, ballot formats, the command a person tried ("You cannot {action} …"), roles."""

from __future__ import annotations

from typing import Literal

from events.base import Role
from events.budgeting_common import Phase

Lang = Literal["da", "en"]

PHASE_NAMES: dict[Phase, tuple[str, str]] = {
    Phase.DRAFT: ("kladde", "draft"),
    Phase.IDEAS: ("idéindsamling", "ideas"),
    Phase.REVIEW: ("gennemgang", "review"),
    Phase.SUPPORTS: ("støtte", "supports"),
    Phase.VOTING: ("afstemning", "voting"),
    Phase.TALLYING: ("optælling", "tallying"),
    Phase.RESULTS_PUBLISHED: ("resultater offentliggjort", "results published"),
    Phase.IMPLEMENTATION: ("gennemførelse", "implementation"),
    Phase.CLOSED: ("afsluttet", "closed"),
}

# How people read a tally rule and a ballot format (Danish, English): the words a municipality
# uses with its citizens, never the names the rules have in the literature or the API.
TALLY_RULE_NAMES: dict[str, tuple[str, str]] = {
    "greedy": (
        "flest stemmer først, så længe budgettet rækker",
        "most votes first, while the budget lasts",
    ),
    "greedy-score": (
        "højeste samlede score først, uanset prisen; det, der ikke kan betales, springes over",
        "highest total score first, whatever the cost; what no longer fits is skipped",
    ),
    "greedy-no-skip": (
        "flest stemmer først, indtil det første projekt, der ikke kan betales",
        "most votes first, stopping at the first project that does not fit",
    ),
    "greedy-score-no-skip": (
        "højeste samlede score først, indtil det første projekt, der ikke kan betales",
        "highest total score first, stopping at the first project that does not fit",
    ),
    "mes": (
        "lige andele: hver vælger råder over en lige stor del af budgettet",
        "equal shares: every voter has an equal share of the budget",
    ),
    "mes-plain": (
        "lige andele, uden at fordele det beløb, der bliver tilovers",
        "equal shares, leaving what is left over unspent",
    ),
    "mes-add1": (
        "lige andele, hævet indtil budgettet er brugt",
        "equal shares, raised until the budget is spent",
    ),
    "mes-add1-comparison": (
        "lige andele, hævet og sammenlignet med flest stemmer først",
        "equal shares, raised, then compared with most votes first",
    ),
    "phragmen": (
        "Phragméns metode: opbakningen bag de valgte fordeles så jævnt som muligt",
        "Phragmén's method: the backing of the winners spread as evenly as possible",
    ),
}
BALLOT_FORMAT_NAMES: dict[str, tuple[str, str]] = {
    "approval": ("afkrydsning", "approval (ticks)"),
    "knapsack": ("afkrydsning inden for budgettet", "ticks within the budget"),
    "cumulative": ("fordeling af point", "points shared out"),
    "ranked": ("rangordning", "ranking"),
}


def in_words(names: dict[str, tuple[str, str]], value: str) -> dict[str, str]:
    """`{"da": …, "en": …}` for a tally rule or ballot format (the value itself if unknown)."""
    da, en = names.get(value, (value, value))
    return {"da": da, "en": en}


# command class name -> (Danish, English) infinitive phrase, used in "You cannot {action} ..."
ACTIONS: dict[str, tuple[str, str]] = {
    "ChangeProcessDetails": ("ændre forløbets beskrivelse", "change the process details"),
    "SetBudget": ("ændre budgetter", "change budgets"),
    "RemoveBudget": ("fjerne budgetter", "remove budgets"),
    "SetCoreTasks": ("ændre kerneopgaverne", "change the core tasks"),
    "SchedulePhase": ("planlægge faser", "schedule phases"),
    "SetBallotRules": ("ændre stemmereglerne", "change the ballot rules"),
    "ChooseTallyRule": ("vælge optællingsregel", "choose the tally rule"),
    "SetLiveResultsVisibility": ("ændre visningen af løbende resultater", "change live results"),
    "SetSupportThreshold": ("ændre støttetærsklen", "change the support threshold"),
    "RecordCensus": ("indlæse vælgerlisten", "import the census"),
    "PutOnBallot": ("sætte forslag på stemmesedlen", "put proposals on the ballot"),
    "RemoveFromBallot": ("fjerne forslag fra stemmesedlen", "remove proposals from the ballot"),
    "SubmitProposal": ("indsende et forslag", "submit a proposal"),
    "EditProposal": ("redigere et forslag", "edit a proposal"),
    "WithdrawProposal": ("trække et forslag tilbage", "withdraw a proposal"),
    "SupportProposal": ("støtte et forslag", "support a proposal"),
    "MergeProposal": ("lægge forslag sammen", "merge proposals"),
    "ReviewProposal": ("vurdere et forslag", "review a proposal"),
    "EstimateCost": ("give et prisoverslag", "estimate a cost"),
    "MarkIncompatible": ("markere forslag som uforenelige", "mark proposals incompatible"),
    "PublishPrice": ("offentliggøre en pris", "publish a price"),
    "RegisterVoter": ("registrere vælgere", "register voters"),
    "CastBallot": ("stemme", "vote"),
    "WithdrawBallot": ("trække din stemme tilbage", "withdraw your ballot"),
    "ProposeAllocation": ("foreslå en fordeling", "propose an allocation"),
    "DecideAllocation": ("beslutte fordelingen", "decide the allocation"),
    "DisburseFunds": ("udbetale midler", "disburse funds"),
    "ReturnFunds": ("tilbageføre midler", "return funds"),
    "UpdateImplementation": ("opdatere gennemførelsen", "update the implementation"),
    "AddMilestone": ("tilføje milepæle", "add milestones"),
    "CompleteMilestone": ("markere milepæle som nået", "complete milestones"),
    "edit": ("redigere forslaget", "edit this proposal"),
    "withdraw": ("trække forslaget tilbage", "withdraw this proposal"),
}


def format_kr(ore: int, lang: Lang) -> str:
    """`125000000` → "1,250,000 kr." (en) / "1.250.000 kr." (da); øre shown only when non-zero."""
    sign = "-" if ore < 0 else ""
    kroner, rest = divmod(abs(ore), 100)
    grouped = f"{kroner:,}"
    if lang == "da":
        grouped = grouped.replace(",", ".")
    decimals = "" if rest == 0 else ("," if lang == "da" else ".") + f"{rest:02d}"
    return f"{sign}{grouped}{decimals} kr."


ROLE_NAMES: dict[str, tuple[str, str]] = {
    Role.CITIZEN.value: ("medborger", "citizen"),
    Role.STAFF.value: ("medarbejder", "staff"),
    Role.ADMIN.value: ("administrator", "administrator"),
    Role.AUDITOR.value: ("revisor", "auditor"),
}


def phase_name(value: str | int, lang: Lang) -> str:
    names = PHASE_NAMES.get(Phase(str(value)))
    return str(value) if names is None else names[0 if lang == "da" else 1]
