"""A memo keyed by an object's identity never answers one object with another's value."""

from core.memo import ByIdentity


class Owner:
    def __init__(self, name: str) -> None:
        self.name = name


def test_an_object_made_after_another_is_freed_gets_its_own_value():
    memo: ByIdentity[str] = ByIdentity()
    # an object freed at once hands its address to the next of its size: an id-keyed dict
    # alone would answer "owner 1" with "owner 0"'s value
    answers = [memo.get(Owner(f"owner {i}"), "k", lambda i=i: f"owner {i}") for i in range(50)]
    assert answers == [f"owner {i}" for i in range(50)]


def test_a_value_is_made_once_per_owner_and_key():
    memo: ByIdentity[int] = ByIdentity()
    owner, made = Owner("a"), []

    def make() -> int:
        made.append(1)
        return len(made)

    assert [memo.get(owner, "k", make) for _ in range(3)] == [1, 1, 1]
    assert memo.get(owner, "other", make) == 2
    assert memo.get(Owner("b"), "k", make) == 3


def test_past_its_limit_the_memo_starts_afresh():
    memo: ByIdentity[str] = ByIdentity(limit=2)
    owners = [Owner(str(i)) for i in range(3)]
    for o in owners:
        memo.get(o, "k", lambda o=o: o.name)
    assert memo.get(owners[0], "k", lambda: "made again") == "made again"
