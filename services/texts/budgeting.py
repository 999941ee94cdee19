"""The budgeting deciders' refusals in words: each code's text in Danish and English.

`{name}` placeholders are filled from the rejection's params, rendered as `render.fill` says
(kroner, phase names, …).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.domain.errors import Param
from services.domain.messages import KIND, Msg
from services.texts.render import fill, with_kinds
from services.texts.words import Lang

WORDS: dict[Msg, tuple[str, str]] = {
    Msg.PROCESS_NOT_FOUND: ("Forløbet findes ikke.", "The process does not exist."),
    Msg.PROCESS_EXISTS: ("Forløbet findes allerede.", "The process already exists."),
    Msg.INITIAL_PHASE_INVALID: (
        "Et forløb begynder i fasen »{phase}«; det kan kun begynde som kladde eller idéindsamling.",
        "A process cannot start in the {phase} phase; it starts as draft or ideas.",
    ),
    Msg.TITLE_REQUIRED: ("Titlen må ikke være tom.", "The title must not be empty."),
    Msg.WRONG_PHASE: (
        "Du kan ikke {action} i fasen »{phase}«; det kan ske i: {phases}.",
        "You cannot {action} in the {phase} phase; this is possible in: {phases}.",
    ),
    Msg.PHASE_TRANSITION_INVALID: (
        "Fasen »{from_phase}« kan ikke gå over i »{to_phase}«; næste fase kan være: {phases}.",
        "The {from_phase} phase cannot move to {to_phase}; the next phase can be: {phases}.",
    ),
    Msg.PHASE_NOT_DUE: (
        "Fasen »{to_phase}« er ikke planlagt til at begynde endnu.",
        "The {to_phase} phase is not scheduled to start yet.",
    ),
    Msg.VOTING_NEEDS_RULES: (
        "Afstemningen kan ikke åbne, før stemmereglerne er fastlagt.",
        "Voting cannot open before the ballot rules are set.",
    ),
    Msg.VOTING_NEEDS_BUDGET: (
        "Afstemningen kan ikke åbne uden mindst ét budget.",
        "Voting cannot open without at least one budget.",
    ),
    Msg.VOTING_NEEDS_BALLOT: (
        "Afstemningen kan ikke åbne, før der er projekter på stemmesedlen.",
        "Voting cannot open before there are projects on the ballot.",
    ),
    Msg.VOTING_NEEDS_CENSUS: (
        "Afstemningen kan ikke åbne, før valglisten er indlæst.",
        "Voting cannot open before the census (the list of voters) is imported.",
    ),
    Msg.ALLOCATIONS_UNDECIDED: (
        "Resultaterne kan ikke offentliggøres; fordelingen er ikke besluttet for: {areas}.",
        "Results cannot be published; the allocation is not decided for: {areas}.",
    ),
    Msg.SCHEDULE_INVALID: (
        "En fase skal slutte efter, at den begynder.",
        "A phase must end after it starts.",
    ),
    Msg.BUDGET_NOT_FOUND: (
        "Der er intet budget for lokalområdet {area}.",
        "There is no budget for the local area {area}.",
    ),
    Msg.BUDGET_HAS_BALLOT: (
        "Budgettet for {area} har projekter på stemmesedlen og kan ikke fjernes.",
        "The budget for {area} has projects on the ballot and cannot be removed.",
    ),
    Msg.BUDGET_AREA_REPEATED: (
        "Hvert lokalområde kan kun have ét budget.",
        "Each local area may have only one budget.",
    ),
    Msg.CORE_TASKS_EMPTY: (
        "Der skal være mindst én kerneopgave.",
        "There must be at least one core task.",
    ),
    Msg.CORE_TASK_UNKNOWN: (
        "»{core_task}« er ikke en af forløbets kerneopgaver: {allowed}.",
        "'{core_task}' is not one of the process's core tasks: {allowed}.",
    ),
    Msg.LOCAL_AREA_UNKNOWN: (
        "Forløbet har intet budget for lokalområdet {area}.",
        "The process has no budget for the local area {area}.",
    ),
    Msg.APPROVAL_RULES_INVALID: (
        "Mindst {min} valg kan ikke være flere end højst {max}.",
        "A minimum of {min} selections cannot exceed the maximum of {max}.",
    ),
    Msg.CUMULATIVE_RULES_INVALID: (
        "Højst {max} point pr. projekt kan ikke være flere end de {points} point i alt.",
        "A maximum of {max} points per project cannot exceed the {points} points in total.",
    ),
    Msg.TALLY_RULE_UNFIT: (
        "Optællingsreglen »{rule}« kan ikke bruges med stemmesedler med {format}.",
        "The tally rule “{rule}” cannot be used with ballots by {format}.",
    ),
    Msg.PROPOSAL_NOT_FOUND: (
        "Forslaget findes ikke.",
        "The proposal does not exist.",
    ),
    Msg.PROPOSAL_EXISTS: (
        "Forslaget findes allerede.",
        "The proposal already exists.",
    ),
    Msg.WRONG_PROCESS: (
        "Forslaget hører til et andet forløb.",
        "The proposal belongs to another process.",
    ),
    Msg.NOT_AUTHOR: (
        "Kun forslagsstilleren kan {action}.",
        "Only the author may {action}.",
    ),
    Msg.PROPOSAL_WITHDRAWN: (
        "Forslaget er trukket tilbage.",
        "The proposal has been withdrawn.",
    ),
    Msg.PROPOSAL_MERGED: (
        "Forslaget er lagt sammen med et andet forslag.",
        "The proposal has been merged into another proposal.",
    ),
    Msg.PROPOSAL_ON_BALLOT: (
        "Forslaget er på stemmesedlen og kan ikke trækkes tilbage.",
        "The proposal is on the ballot and cannot be withdrawn.",
    ),
    Msg.ALREADY_SUPPORTED: (
        "Du støtter allerede dette forslag.",
        "You already support this proposal.",
    ),
    Msg.MERGE_INTO_SELF: (
        "Et forslag kan ikke lægges sammen med sig selv.",
        "A proposal cannot be merged into itself.",
    ),
    Msg.REASON_REQUIRED: ("Der skal gives en begrundelse.", "A reason is required."),
    Msg.AMOUNT_NEGATIVE: (
        "Beløbet kan ikke være negativt.",
        "The amount cannot be negative.",
    ),
    Msg.AMOUNT_NOT_POSITIVE: (
        "Beløbet skal være større end 0 kr.",
        "The amount must be more than 0 kr.",
    ),
    Msg.INCOMPATIBLE_WITH_SELF: (
        "Et forslag kan ikke være uforeneligt med sig selv.",
        "A proposal cannot be incompatible with itself.",
    ),
    Msg.INCOMPATIBLE_ACROSS_AREAS: (
        "Kun forslag i samme lokalområde kan være uforenelige (hvert område har sin egen "
        "afstemning).",
        "Only proposals in the same local area can be incompatible (each area votes apart).",
    ),
    Msg.ALREADY_INCOMPATIBLE: (
        "Forslagene er allerede markeret som uforenelige.",
        "The proposals are already marked incompatible.",
    ),
    Msg.NOT_FEASIBLE: (
        "Forslaget er ikke vurderet gennemførligt.",
        "The proposal has not been reviewed as feasible.",
    ),
    Msg.NO_PRICE: (
        "Forslagets pris er ikke offentliggjort.",
        "The proposal's price has not been published.",
    ),
    Msg.NO_COST_ESTIMATE: (
        "Forslaget har intet prisoverslag fra forvaltningen.",
        "The proposal has no cost estimate from staff.",
    ),
    Msg.ALREADY_ON_BALLOT: (
        "Forslaget er allerede på stemmesedlen.",
        "The proposal is already on the ballot.",
    ),
    Msg.NOT_ON_BALLOT: (
        "Forslaget er ikke på stemmesedlen.",
        "The proposal is not on the ballot.",
    ),
    Msg.PRICE_OVER_BUDGET: (
        "Projektet koster {price_ore} af et budget på {budget_ore}.",
        "The project costs {price_ore} of a {budget_ore} budget.",
    ),
    Msg.TOO_FEW_SUPPORTS: (
        "Forslaget har {supports} støtter; der kræves mindst {threshold}.",
        "The proposal has {supports} supports; at least {threshold} are required.",
    ),
    Msg.VOTER_NOT_ELIGIBLE: (
        "Du er ikke registreret som stemmeberettiget i dette forløb.",
        "You are not registered as eligible to vote in this process.",
    ),
    Msg.VOTER_NOT_IN_CENSUS: (
        "Vælgeren findes ikke i valglisten for dette forløb.",
        "The voter is not in this process's census.",
    ),
    Msg.VOTER_WRONG_AREA: (
        "Vælgeren hører til lokalområdet {own_area} og kan ikke stemme om budgettet for {area}.",
        "The voter belongs to the local area {own_area} and cannot vote in the budget of {area}.",
    ),
    Msg.VOTER_VOTED_ON_PAPER: (
        "Vælgeren har stemt på papir; den stemme tæller og erstattes kun af en ny papirstemme.",
        "The voter has voted on paper; that ballot counts and only a new paper ballot replaces it.",
    ),
    Msg.VOTER_NO_ACTIVE_BALLOT: (
        "Vælgeren har ingen aktiv stemme i dette budget.",
        "The voter has no active ballot in this budget.",
    ),
    Msg.WRONG_AREA: (
        "Du kan kun stemme om budgettet for dit eget lokalområde ({own_area}), ikke {area}.",
        "You may only vote in the budget of your own local area ({own_area}), not {area}.",
    ),
    Msg.PAPER_BALLOT_EXISTS: (
        "Du har stemt på papir; den stemme tæller, og du kan ikke også stemme her.",
        "You have voted on paper; that ballot counts and you cannot also vote here.",
    ),
    Msg.STAFF_REQUIRED: (
        "En stemme ad kanalen {channel} skal indtastes af en medarbejder.",
        "A {channel} ballot must be entered by staff.",
    ),
    Msg.VOTING_CLOSED: (
        "Afstemningen er lukket.",
        "Voting has closed.",
    ),
    Msg.NO_ACTIVE_BALLOT: (
        "Du har ingen aktiv stemme i dette budget.",
        "You have no active ballot in this budget.",
    ),
    Msg.BALLOT_WRONG_FORMAT: (
        "Stemmesedlen skal udfyldes som {format}.",
        "The ballot must be filled in as {format}.",
    ),
    Msg.UNKNOWN_PROJECT: (
        "Stemmen nævner {count} projekt(er), der ikke er på stemmesedlen for {area}.",
        "The ballot names {count} project(s) that are not on the ballot for {area}.",
    ),
    Msg.DUPLICATE_CHOICE: (
        "Stemmen nævner det samme projekt mere end én gang.",
        "The ballot names the same project more than once.",
    ),
    Msg.TOO_MANY_SELECTIONS: (
        "Du har valgt {count} projekter; højst {max} er tilladt.",
        "The ballot selects {count} projects; at most {max} allowed.",
    ),
    Msg.TOO_FEW_SELECTIONS: (
        "Du har valgt {count} projekter; mindst {min} skal vælges.",
        "The ballot selects {count} projects; at least {min} required.",
    ),
    Msg.OVER_BUDGET: (
        "Du bruger {spent_ore} af et budget på {budget_ore}.",
        "The ballot spends {spent_ore} of a {budget_ore} budget.",
    ),
    Msg.ALLOCATION_OVER_BUDGET: (
        "Fordelingen bruger {spent_ore} af et budget på {budget_ore}.",
        "The allocation spends {spent_ore} of a {budget_ore} budget.",
    ),
    Msg.UNDER_MIN_SPEND: (
        "Du bruger {spent_ore}; mindst {minimum_ore} ({percent} % af budgettet) skal bruges.",
        "The ballot spends {spent_ore}; at least {minimum_ore} ({percent}% of the budget) needed.",
    ),
    Msg.TOO_FEW_PROJECTS: (
        "Du har valgt {count} projekter; mindst {min} skal vælges.",
        "The ballot selects {count} projects; at least {min} required.",
    ),
    Msg.TOO_MANY_POINTS: (
        "Du har fordelt {points} point; højst {max} er tilladt.",
        "The ballot distributes {points} points; at most {max} allowed.",
    ),
    Msg.TOO_MANY_POINTS_ON_ONE: (
        "Du har givet et projekt {points} point; højst {max} pr. projekt er tilladt.",
        "The ballot gives one project {points} points; at most {max} per project allowed.",
    ),
    Msg.POINTS_NOT_POSITIVE: (
        "Point skal være et positivt heltal.",
        "Points must be a positive whole number.",
    ),
    Msg.TOO_MANY_RANKED: (
        "Du har rangordnet {count} projekter; højst {max} er tilladt.",
        "The ballot ranks {count} projects; at most {max} allowed.",
    ),
    Msg.EMPTY_BALLOT: (
        "Stemmesedlen er tom.",
        "The ballot is empty.",
    ),
    Msg.ALLOCATION_DECIDED: (
        "Fordelingen for {area} er besluttet og kan ikke ændres.",
        "The allocation for {area} has been decided and cannot change.",
    ),
    Msg.NO_ALLOCATION_PROPOSAL: (
        "Der er intet forslag til fordeling for {area} at bekræfte.",
        "There is no allocation proposal for {area} to confirm.",
    ),
    Msg.FUNDING_OVER_PRICE: (
        "Et projekt får {amount_ore}, men koster {price_ore}.",
        "A project receives {amount_ore} but costs {price_ore}.",
    ),
    Msg.DUPLICATE_FUNDING: (
        "Et projekt står mere end én gang i fordelingen.",
        "A project appears more than once in the allocation.",
    ),
    Msg.INCOMPATIBLE_FUNDED: (
        "Forslagene {first} og {second} er markeret som uforenelige og kan ikke begge få midler.",
        "Proposals {first} and {second} are marked incompatible and cannot both be funded.",
    ),
    Msg.NOT_FUNDED: (
        "Projektet har ikke fået midler i den besluttede fordeling.",
        "The project was not funded in the decided allocation.",
    ),
    Msg.OVER_OUTSTANDING: (
        "Beløbet {amount_ore} overstiger de {outstanding_ore}, der står tilbage for projektet.",
        "The amount {amount_ore} exceeds the {outstanding_ore} outstanding for the project.",
    ),
    Msg.IMPLEMENTATION_FINISHED: (
        "Projektets gennemførelse er afsluttet ({status}).",
        "The project's implementation is finished ({status}).",
    ),
    Msg.COMPLETED_NEEDS_FULL_PROGRESS: (
        "Et gennemført projekt skal stå på 100 %, ikke {progress} %.",
        "A completed project must be at 100%, not {progress}%.",
    ),
    Msg.PROGRESS_INVALID: (
        "Fremdriften skal være mellem 0 og 100 %, ikke {progress} %.",
        "Progress must be between 0 and 100%, not {progress}%.",
    ),
    Msg.MILESTONE_EXISTS: ("Milepælen findes allerede.", "The milestone exists."),
    Msg.MILESTONE_NOT_FOUND: (
        "Milepælen findes ikke.",
        "The milestone does not exist.",
    ),
    Msg.MILESTONE_DONE: (
        "Milepælen er allerede nået.",
        "The milestone is already completed.",
    ),
}

TEXTS = with_kinds(WORDS, KIND)


def render(code: Msg, params: Mapping[str, Param], lang: Lang) -> str:
    """The text of `code` in `lang`, its placeholders filled from `params`."""
    return fill(WORDS[code], params, lang)
