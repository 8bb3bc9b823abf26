"""A learner's feedback page built without nbgrader, for the page's own tests (escaping, phone width)."""
from __future__ import annotations

from advocacy_lab.trainer.feedback import CheckResult, LearnerFeedback, PartFeedback, ShownAnswer

#: Ana's post: ready for X and Instagram, but no call to action; markup, an ampersand, emoji and Arabic in it.
ANA_POST = (
    "Our district budget is still not online in plain language. Families pay for schools and clinics "
    "<b>every year</b> & deserve to see how the money is spent 🌱👨‍👩‍👧. مرحبا #OpenBudget"
)


def sample_feedback(score: float | None, lang: str = "en", answer: str = ANA_POST) -> LearnerFeedback:
    """Two parts: a post (one check passed, one not, with reason, hint and advice) and a written part
    (``score`` None: not graded yet); markup in every text a page shows."""
    return LearnerFeedback(
        student="ana", lang=lang, assignment="campaign-message", notebook="campaign-message",
        parts=(
            PartFeedback("Part 1 <i>", (ShownAnswer("Post", answer),), (
                CheckResult("a", "Check <a>", 2.0, 2.0, written=False),
                CheckResult("b", "Check b", 0.0, 1.0, written=False, reason="Why <u>not</u>", hint="Try & see",
                            advice=("Add a call <to> action",)),
            )),
            PartFeedback("Part 4", (ShownAnswer("What you wrote", "x"),), (
                CheckResult("w", "Graded by your trainer", score, 6.0, written=True, comment="Good <em>start</em>"),
            )),
        ),
    )
