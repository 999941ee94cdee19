"""The words people read, rendered at the edges: each context's refusals in Danish and English
(`budgeting`, `volunteering`, `privacy`, and the HTTP request's own refusals: `request`), the
machinery that fills them from a code's params (`render.fill`), the words for the values they
name (`words`: kroner, phases, tally rules, roles), the deployment's words for helpers and
citizens (`wording`), and a decider's refusal as text (`rejections.rejection_text`). The
deciders only raise codes and params; this package imports their code enums, never the
reverse."""
