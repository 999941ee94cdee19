"""Why a command or a request was refused: a code, its params, and the text in Danish and English.

The one catalogue machinery: `fill` renders any template of any catalogue (budgeting here,
volunteering in `volunteering.messages`, and the API's `request_texts`, the refusals of a
request as such: no token, wrong role, a stale version, a body too large).

Params stay raw (JSON-friendly) so a client can render its own wording; when rendering, a param
whose name ends in `_ore` is shown in kroner, one named `phase` or ending in `_phase` by its
phase name, `phases` as a list of phase names, `action` by the action's name, `role` and
`roles` by role names.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from events.base import Role
from events.budgeting_common import Phase
from services.domain.errors import CommandRejected, RejectionKind
from services.domain.wording import Wording

Lang = Literal["da", "en"]
Param = str | int


class Msg(StrEnum):
    PROCESS_NOT_FOUND = "process_not_found"
    PROCESS_EXISTS = "process_exists"
    INITIAL_PHASE_INVALID = "initial_phase_invalid"
    TITLE_REQUIRED = "title_required"
    WRONG_PHASE = "wrong_phase"
    PHASE_TRANSITION_INVALID = "phase_transition_invalid"
    PHASE_NOT_DUE = "phase_not_due"
    VOTING_NEEDS_RULES = "voting_needs_rules"
    VOTING_NEEDS_BUDGET = "voting_needs_budget"
    VOTING_NEEDS_BALLOT = "voting_needs_ballot"
    VOTING_NEEDS_CENSUS = "voting_needs_census"
    ALLOCATIONS_UNDECIDED = "allocations_undecided"
    SCHEDULE_INVALID = "schedule_invalid"
    BUDGET_NOT_FOUND = "budget_not_found"
    BUDGET_HAS_BALLOT = "budget_has_ballot"
    BUDGET_AREA_REPEATED = "budget_area_repeated"
    CORE_TASKS_EMPTY = "core_tasks_empty"
    CORE_TASK_UNKNOWN = "core_task_unknown"
    LOCAL_AREA_UNKNOWN = "local_area_unknown"
    APPROVAL_RULES_INVALID = "approval_rules_invalid"
    CUMULATIVE_RULES_INVALID = "cumulative_rules_invalid"
    TALLY_RULE_UNFIT = "tally_rule_unfit"
    PROPOSAL_NOT_FOUND = "proposal_not_found"
    PROPOSAL_EXISTS = "proposal_exists"
    WRONG_PROCESS = "wrong_process"
    NOT_AUTHOR = "not_author"
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"
    PROPOSAL_MERGED = "proposal_merged"
    PROPOSAL_ON_BALLOT = "proposal_on_ballot"
    ALREADY_SUPPORTED = "already_supported"
    MERGE_INTO_SELF = "merge_into_self"
    REASON_REQUIRED = "reason_required"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    INCOMPATIBLE_WITH_SELF = "incompatible_with_self"
    INCOMPATIBLE_ACROSS_AREAS = "incompatible_across_areas"
    ALREADY_INCOMPATIBLE = "already_incompatible"
    NOT_FEASIBLE = "not_feasible"
    NO_PRICE = "no_price"
    NO_COST_ESTIMATE = "no_cost_estimate"
    ALREADY_ON_BALLOT = "already_on_ballot"
    NOT_ON_BALLOT = "not_on_ballot"
    PRICE_OVER_BUDGET = "price_over_budget"
    TOO_FEW_SUPPORTS = "too_few_supports"
    VOTER_NOT_ELIGIBLE = "voter_not_eligible"
    VOTER_NOT_IN_CENSUS = "voter_not_in_census"
    WRONG_AREA = "wrong_area"
    VOTER_WRONG_AREA = "voter_wrong_area"
    PAPER_BALLOT_EXISTS = "paper_ballot_exists"
    VOTER_VOTED_ON_PAPER = "voter_voted_on_paper"
    STAFF_REQUIRED = "staff_required"
    VOTING_CLOSED = "voting_closed"
    NO_ACTIVE_BALLOT = "no_active_ballot"
    VOTER_NO_ACTIVE_BALLOT = "voter_no_active_ballot"
    BALLOT_WRONG_FORMAT = "ballot_wrong_format"
    UNKNOWN_PROJECT = "unknown_project"
    DUPLICATE_CHOICE = "duplicate_choice"
    TOO_MANY_SELECTIONS = "too_many_selections"
    TOO_FEW_SELECTIONS = "too_few_selections"
    OVER_BUDGET = "over_budget"
    ALLOCATION_OVER_BUDGET = "allocation_over_budget"
    UNDER_MIN_SPEND = "under_min_spend"
    TOO_FEW_PROJECTS = "too_few_projects"
    TOO_MANY_POINTS = "too_many_points"
    TOO_MANY_POINTS_ON_ONE = "too_many_points_on_one"
    POINTS_NOT_POSITIVE = "points_not_positive"
    TOO_MANY_RANKED = "too_many_ranked"
    EMPTY_BALLOT = "empty_ballot"
    ALLOCATION_DECIDED = "allocation_decided"
    NO_ALLOCATION_PROPOSAL = "no_allocation_proposal"
    FUNDING_OVER_PRICE = "funding_over_price"
    DUPLICATE_FUNDING = "duplicate_funding"
    INCOMPATIBLE_FUNDED = "incompatible_funded"
    NOT_FUNDED = "not_funded"
    OVER_OUTSTANDING = "over_outstanding"
    IMPLEMENTATION_FINISHED = "implementation_finished"
    COMPLETED_NEEDS_FULL_PROGRESS = "completed_needs_full_progress"
    PROGRESS_INVALID = "progress_invalid"
    MILESTONE_EXISTS = "milestone_exists"
    MILESTONE_NOT_FOUND = "milestone_not_found"
    MILESTONE_DONE = "milestone_done"


_K = RejectionKind

# code -> (kind, Danish, English); `{name}` placeholders are filled from the rendered params.
TEXTS: dict[Msg, tuple[RejectionKind, str, str]] = {
    Msg.PROCESS_NOT_FOUND: (_K.NOT_FOUND, "Forløbet findes ikke.", "The process does not exist."),
    Msg.PROCESS_EXISTS: (_K.CONFLICT, "Forløbet findes allerede.", "The process already exists."),
    Msg.INITIAL_PHASE_INVALID: (
        _K.INVALID,
        "Et forløb begynder i fasen »{phase}«; det kan kun begynde som kladde eller idéindsamling.",
        "A process cannot start in the {phase} phase; it starts as draft or ideas.",
    ),
    Msg.TITLE_REQUIRED: (_K.INVALID, "Titlen må ikke være tom.", "The title must not be empty."),
    Msg.WRONG_PHASE: (
        _K.CONFLICT,
        "Du kan ikke {action} i fasen »{phase}«; det kan ske i: {phases}.",
        "You cannot {action} in the {phase} phase; this is possible in: {phases}.",
    ),
    Msg.PHASE_TRANSITION_INVALID: (
        _K.CONFLICT,
        "Fasen »{from_phase}« kan ikke gå over i »{to_phase}«; næste fase kan være: {phases}.",
        "The {from_phase} phase cannot move to {to_phase}; the next phase can be: {phases}.",
    ),
    Msg.PHASE_NOT_DUE: (
        _K.CONFLICT,
        "Fasen »{to_phase}« er ikke planlagt til at begynde endnu.",
        "The {to_phase} phase is not scheduled to start yet.",
    ),
    Msg.VOTING_NEEDS_RULES: (
        _K.CONFLICT,
        "Afstemningen kan ikke åbne, før stemmereglerne er fastlagt.",
        "Voting cannot open before the ballot rules are set.",
    ),
    Msg.VOTING_NEEDS_BUDGET: (
        _K.CONFLICT,
        "Afstemningen kan ikke åbne uden mindst ét budget.",
        "Voting cannot open without at least one budget.",
    ),
    Msg.VOTING_NEEDS_BALLOT: (
        _K.CONFLICT,
        "Afstemningen kan ikke åbne, før der er projekter på stemmesedlen.",
        "Voting cannot open before there are projects on the ballot.",
    ),
    Msg.VOTING_NEEDS_CENSUS: (
        _K.CONFLICT,
        "Afstemningen kan ikke åbne, før valglisten er indlæst.",
        "Voting cannot open before the census (the list of voters) is imported.",
    ),
    Msg.ALLOCATIONS_UNDECIDED: (
        _K.CONFLICT,
        "Resultaterne kan ikke offentliggøres; fordelingen er ikke besluttet for: {areas}.",
        "Results cannot be published; the allocation is not decided for: {areas}.",
    ),
    Msg.SCHEDULE_INVALID: (
        _K.INVALID,
        "En fase skal slutte efter, at den begynder.",
        "A phase must end after it starts.",
    ),
    Msg.BUDGET_NOT_FOUND: (
        _K.NOT_FOUND,
        "Der er intet budget for lokalområdet {area}.",
        "There is no budget for the local area {area}.",
    ),
    Msg.BUDGET_HAS_BALLOT: (
        _K.CONFLICT,
        "Budgettet for {area} har projekter på stemmesedlen og kan ikke fjernes.",
        "The budget for {area} has projects on the ballot and cannot be removed.",
    ),
    Msg.BUDGET_AREA_REPEATED: (
        _K.INVALID,
        "Hvert lokalområde kan kun have ét budget.",
        "Each local area may have only one budget.",
    ),
    Msg.CORE_TASKS_EMPTY: (
        _K.INVALID,
        "Der skal være mindst én kerneopgave.",
        "There must be at least one core task.",
    ),
    Msg.CORE_TASK_UNKNOWN: (
        _K.INVALID,
        "»{core_task}« er ikke en af forløbets kerneopgaver: {allowed}.",
        "'{core_task}' is not one of the process's core tasks: {allowed}.",
    ),
    Msg.LOCAL_AREA_UNKNOWN: (
        _K.INVALID,
        "Forløbet har intet budget for lokalområdet {area}.",
        "The process has no budget for the local area {area}.",
    ),
    Msg.APPROVAL_RULES_INVALID: (
        _K.INVALID,
        "Mindst {min} valg kan ikke være flere end højst {max}.",
        "A minimum of {min} selections cannot exceed the maximum of {max}.",
    ),
    Msg.CUMULATIVE_RULES_INVALID: (
        _K.INVALID,
        "Højst {max} point pr. projekt kan ikke være flere end de {points} point i alt.",
        "A maximum of {max} points per project cannot exceed the {points} points in total.",
    ),
    Msg.TALLY_RULE_UNFIT: (
        _K.INVALID,
        "Optællingsreglen »{rule}« kan ikke bruges med stemmesedler med {format}.",
        "The tally rule “{rule}” cannot be used with ballots by {format}.",
    ),
    Msg.PROPOSAL_NOT_FOUND: (
        _K.NOT_FOUND,
        "Forslaget findes ikke.",
        "The proposal does not exist.",
    ),
    Msg.PROPOSAL_EXISTS: (
        _K.CONFLICT,
        "Forslaget findes allerede.",
        "The proposal already exists.",
    ),
    Msg.WRONG_PROCESS: (
        _K.INVALID,
        "Forslaget hører til et andet forløb.",
        "The proposal belongs to another process.",
    ),
    Msg.NOT_AUTHOR: (
        _K.FORBIDDEN,
        "Kun forslagsstilleren kan {action}.",
        "Only the author may {action}.",
    ),
    Msg.PROPOSAL_WITHDRAWN: (
        _K.CONFLICT,
        "Forslaget er trukket tilbage.",
        "The proposal has been withdrawn.",
    ),
    Msg.PROPOSAL_MERGED: (
        _K.CONFLICT,
        "Forslaget er lagt sammen med et andet forslag.",
        "The proposal has been merged into another proposal.",
    ),
    Msg.PROPOSAL_ON_BALLOT: (
        _K.CONFLICT,
        "Forslaget er på stemmesedlen og kan ikke trækkes tilbage.",
        "The proposal is on the ballot and cannot be withdrawn.",
    ),
    Msg.ALREADY_SUPPORTED: (
        _K.CONFLICT,
        "Du støtter allerede dette forslag.",
        "You already support this proposal.",
    ),
    Msg.MERGE_INTO_SELF: (
        _K.INVALID,
        "Et forslag kan ikke lægges sammen med sig selv.",
        "A proposal cannot be merged into itself.",
    ),
    Msg.REASON_REQUIRED: (_K.INVALID, "Der skal gives en begrundelse.", "A reason is required."),
    Msg.AMOUNT_NEGATIVE: (
        _K.INVALID,
        "Beløbet kan ikke være negativt.",
        "The amount cannot be negative.",
    ),
    Msg.AMOUNT_NOT_POSITIVE: (
        _K.INVALID,
        "Beløbet skal være større end 0 kr.",
        "The amount must be more than 0 kr.",
    ),
    Msg.INCOMPATIBLE_WITH_SELF: (
        _K.INVALID,
        "Et forslag kan ikke være uforeneligt med sig selv.",
        "A proposal cannot be incompatible with itself.",
    ),
    Msg.INCOMPATIBLE_ACROSS_AREAS: (
        _K.INVALID,
        "Kun forslag i samme lokalområde kan være uforenelige (hvert område har sin egen "
        "afstemning).",
        "Only proposals in the same local area can be incompatible (each area votes apart).",
    ),
    Msg.ALREADY_INCOMPATIBLE: (
        _K.CONFLICT,
        "Forslagene er allerede markeret som uforenelige.",
        "The proposals are already marked incompatible.",
    ),
    Msg.NOT_FEASIBLE: (
        _K.CONFLICT,
        "Forslaget er ikke vurderet gennemførligt.",
        "The proposal has not been reviewed as feasible.",
    ),
    Msg.NO_PRICE: (
        _K.CONFLICT,
        "Forslagets pris er ikke offentliggjort.",
        "The proposal's price has not been published.",
    ),
    Msg.NO_COST_ESTIMATE: (
        _K.CONFLICT,
        "Forslaget har intet prisoverslag fra forvaltningen.",
        "The proposal has no cost estimate from staff.",
    ),
    Msg.ALREADY_ON_BALLOT: (
        _K.CONFLICT,
        "Forslaget er allerede på stemmesedlen.",
        "The proposal is already on the ballot.",
    ),
    Msg.NOT_ON_BALLOT: (
        _K.CONFLICT,
        "Forslaget er ikke på stemmesedlen.",
        "The proposal is not on the ballot.",
    ),
    Msg.PRICE_OVER_BUDGET: (
        _K.INVALID,
        "Projektet koster {price_ore} af et budget på {budget_ore}.",
        "The project costs {price_ore} of a {budget_ore} budget.",
    ),
    Msg.TOO_FEW_SUPPORTS: (
        _K.CONFLICT,
        "Forslaget har {supports} støtter; der kræves mindst {threshold}.",
        "The proposal has {supports} supports; at least {threshold} are required.",
    ),
    Msg.VOTER_NOT_ELIGIBLE: (
        _K.FORBIDDEN,
        "Du er ikke registreret som stemmeberettiget i dette forløb.",
        "You are not registered as eligible to vote in this process.",
    ),
    Msg.VOTER_NOT_IN_CENSUS: (
        _K.NOT_FOUND,
        "Vælgeren findes ikke i valglisten for dette forløb.",
        "The voter is not in this process's census.",
    ),
    Msg.VOTER_WRONG_AREA: (
        _K.FORBIDDEN,
        "Vælgeren hører til lokalområdet {own_area} og kan ikke stemme om budgettet for {area}.",
        "The voter belongs to the local area {own_area} and cannot vote in the budget of {area}.",
    ),
    Msg.VOTER_VOTED_ON_PAPER: (
        _K.CONFLICT,
        "Vælgeren har stemt på papir; den stemme tæller og erstattes kun af en ny papirstemme.",
        "The voter has voted on paper; that ballot counts and only a new paper ballot replaces it.",
    ),
    Msg.VOTER_NO_ACTIVE_BALLOT: (
        _K.NOT_FOUND,
        "Vælgeren har ingen aktiv stemme i dette budget.",
        "The voter has no active ballot in this budget.",
    ),
    Msg.WRONG_AREA: (
        _K.FORBIDDEN,
        "Du kan kun stemme om budgettet for dit eget lokalområde ({own_area}), ikke {area}.",
        "You may only vote in the budget of your own local area ({own_area}), not {area}.",
    ),
    Msg.PAPER_BALLOT_EXISTS: (
        _K.CONFLICT,
        "Du har stemt på papir; den stemme tæller, og du kan ikke også stemme her.",
        "You have voted on paper; that ballot counts and you cannot also vote here.",
    ),
    Msg.STAFF_REQUIRED: (
        _K.FORBIDDEN,
        "En stemme ad kanalen {channel} skal indtastes af en medarbejder.",
        "A {channel} ballot must be entered by staff.",
    ),
    Msg.VOTING_CLOSED: (
        _K.CONFLICT,
        "Afstemningen er lukket.",
        "Voting has closed.",
    ),
    Msg.NO_ACTIVE_BALLOT: (
        _K.NOT_FOUND,
        "Du har ingen aktiv stemme i dette budget.",
        "You have no active ballot in this budget.",
    ),
    Msg.BALLOT_WRONG_FORMAT: (
        _K.INVALID,
        "Stemmesedlen skal udfyldes som {format}.",
        "The ballot must be filled in as {format}.",
    ),
    Msg.UNKNOWN_PROJECT: (
        _K.INVALID,
        "Stemmen nævner {count} projekt(er), der ikke er på stemmesedlen for {area}.",
        "The ballot names {count} project(s) that are not on the ballot for {area}.",
    ),
    Msg.DUPLICATE_CHOICE: (
        _K.INVALID,
        "Stemmen nævner det samme projekt mere end én gang.",
        "The ballot names the same project more than once.",
    ),
    Msg.TOO_MANY_SELECTIONS: (
        _K.INVALID,
        "Du har valgt {count} projekter; højst {max} er tilladt.",
        "The ballot selects {count} projects; at most {max} allowed.",
    ),
    Msg.TOO_FEW_SELECTIONS: (
        _K.INVALID,
        "Du har valgt {count} projekter; mindst {min} skal vælges.",
        "The ballot selects {count} projects; at least {min} required.",
    ),
    Msg.OVER_BUDGET: (
        _K.INVALID,
        "Du bruger {spent_ore} af et budget på {budget_ore}.",
        "The ballot spends {spent_ore} of a {budget_ore} budget.",
    ),
    Msg.ALLOCATION_OVER_BUDGET: (
        _K.INVALID,
        "Fordelingen bruger {spent_ore} af et budget på {budget_ore}.",
        "The allocation spends {spent_ore} of a {budget_ore} budget.",
    ),
    Msg.UNDER_MIN_SPEND: (
        _K.INVALID,
        "Du bruger {spent_ore}; mindst {minimum_ore} ({percent} % af budgettet) skal bruges.",
        "The ballot spends {spent_ore}; at least {minimum_ore} ({percent}% of the budget) needed.",
    ),
    Msg.TOO_FEW_PROJECTS: (
        _K.INVALID,
        "Du har valgt {count} projekter; mindst {min} skal vælges.",
        "The ballot selects {count} projects; at least {min} required.",
    ),
    Msg.TOO_MANY_POINTS: (
        _K.INVALID,
        "Du har fordelt {points} point; højst {max} er tilladt.",
        "The ballot distributes {points} points; at most {max} allowed.",
    ),
    Msg.TOO_MANY_POINTS_ON_ONE: (
        _K.INVALID,
        "Du har givet et projekt {points} point; højst {max} pr. projekt er tilladt.",
        "The ballot gives one project {points} points; at most {max} per project allowed.",
    ),
    Msg.POINTS_NOT_POSITIVE: (
        _K.INVALID,
        "Point skal være et positivt heltal.",
        "Points must be a positive whole number.",
    ),
    Msg.TOO_MANY_RANKED: (
        _K.INVALID,
        "Du har rangordnet {count} projekter; højst {max} er tilladt.",
        "The ballot ranks {count} projects; at most {max} allowed.",
    ),
    Msg.EMPTY_BALLOT: (
        _K.INVALID,
        "Stemmesedlen er tom.",
        "The ballot is empty.",
    ),
    Msg.ALLOCATION_DECIDED: (
        _K.CONFLICT,
        "Fordelingen for {area} er besluttet og kan ikke ændres.",
        "The allocation for {area} has been decided and cannot change.",
    ),
    Msg.NO_ALLOCATION_PROPOSAL: (
        _K.CONFLICT,
        "Der er intet forslag til fordeling for {area} at bekræfte.",
        "There is no allocation proposal for {area} to confirm.",
    ),
    Msg.FUNDING_OVER_PRICE: (
        _K.INVALID,
        "Et projekt får {amount_ore}, men koster {price_ore}.",
        "A project receives {amount_ore} but costs {price_ore}.",
    ),
    Msg.DUPLICATE_FUNDING: (
        _K.INVALID,
        "Et projekt står mere end én gang i fordelingen.",
        "A project appears more than once in the allocation.",
    ),
    Msg.INCOMPATIBLE_FUNDED: (
        _K.INVALID,
        "Forslagene {first} og {second} er markeret som uforenelige og kan ikke begge få midler.",
        "Proposals {first} and {second} are marked incompatible and cannot both be funded.",
    ),
    Msg.NOT_FUNDED: (
        _K.CONFLICT,
        "Projektet har ikke fået midler i den besluttede fordeling.",
        "The project was not funded in the decided allocation.",
    ),
    Msg.OVER_OUTSTANDING: (
        _K.INVALID,
        "Beløbet {amount_ore} overstiger de {outstanding_ore}, der står tilbage for projektet.",
        "The amount {amount_ore} exceeds the {outstanding_ore} outstanding for the project.",
    ),
    Msg.IMPLEMENTATION_FINISHED: (
        _K.CONFLICT,
        "Projektets gennemførelse er afsluttet ({status}).",
        "The project's implementation is finished ({status}).",
    ),
    Msg.COMPLETED_NEEDS_FULL_PROGRESS: (
        _K.INVALID,
        "Et gennemført projekt skal stå på 100 %, ikke {progress} %.",
        "A completed project must be at 100%, not {progress}%.",
    ),
    Msg.PROGRESS_INVALID: (
        _K.INVALID,
        "Fremdriften skal være mellem 0 og 100 %, ikke {progress} %.",
        "Progress must be between 0 and 100%, not {progress}%.",
    ),
    Msg.MILESTONE_EXISTS: (_K.CONFLICT, "Milepælen findes allerede.", "The milestone exists."),
    Msg.MILESTONE_NOT_FOUND: (
        _K.NOT_FOUND,
        "Milepælen findes ikke.",
        "The milestone does not exist.",
    ),
    Msg.MILESTONE_DONE: (
        _K.CONFLICT,
        "Milepælen er allerede nået.",
        "The milestone is already completed.",
    ),
}

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


def _phase_name(value: Param, lang: Lang) -> str:
    names = PHASE_NAMES.get(Phase(str(value)))
    return str(value) if names is None else names[0 if lang == "da" else 1]


ROLE_NAMES: dict[str, tuple[str, str]] = {
    Role.CITIZEN.value: ("medborger", "citizen"),
    Role.STAFF.value: ("medarbejder", "staff"),
    Role.ADMIN.value: ("administrator", "administrator"),
    Role.AUDITOR.value: ("revisor", "auditor"),
}


def render_param(name: str, value: Param, lang: Lang) -> str:
    index = 0 if lang == "da" else 1
    if name.endswith("_ore") and isinstance(value, int):
        return format_kr(value, lang)
    if name == "phase" or name.endswith("_phase"):
        return _phase_name(value, lang)
    if name == "phases":
        return ", ".join(_phase_name(p, lang) for p in str(value).split(",") if p)
    if name == "action":
        return ACTIONS.get(str(value), (str(value), str(value)))[index]
    if name == "format":
        return in_words(BALLOT_FORMAT_NAMES, str(value))[lang]
    if name == "rule":
        return in_words(TALLY_RULE_NAMES, str(value))[lang]
    if name in ("role", "roles"):
        names = [ROLE_NAMES.get(r, (r, r))[index] for r in str(value).split(",") if r]
        return ", ".join(names)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang == "da" else ",")
    return str(value)


def fill(
    texts: tuple[str, str],
    params: Mapping[str, Param],
    lang: Lang,
    words: Mapping[str, str] | None = None,
) -> str:
    """The (Danish, English) template `texts` in `lang`, its `{name}` placeholders filled from
    `params` (rendered as the module docstring says) and from `words` (as they are)."""
    template = texts[0] if lang == "da" else texts[1]
    values = {**(words or {}), **{k: render_param(k, v, lang) for k, v in params.items()}}
    return template.format(**values).replace("kr..", "kr.")  # an amount ending a sentence


def render(code: Msg, params: Mapping[str, Param], lang: Lang) -> str:
    _, da, en = TEXTS[code]
    return fill((da, en), params, lang)


class BudgetingRejected(CommandRejected):
    """A CommandRejected that also carries its message code and params."""

    def __init__(self, code: Msg, **params: Param) -> None:
        kind = TEXTS[code][0]
        english = render(code, params, "en")
        super().__init__(kind, english, texts={"da": render(code, params, "da"), "en": english})
        self.code: Msg = code
        self.params = params

    def text(self, lang: str, wording: Wording | None = None) -> str:
        del wording
        return render(self.code, self.params, "da" if lang == "da" else "en")
