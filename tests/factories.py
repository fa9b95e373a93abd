"""Factories for the test suite. A case in a given step is reached by doing that step's work with the
real services (incidents.walkthrough), one trait per state: IncidentFactory(assessing=True)."""

import factory
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from incidents.walkthrough import walk_to
from incidents.workflow import State
from portal.models import Board, Membership, Person, PersonKind, Role, School, User


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board

    name = factory.Sequence(lambda n: f"Schoolbestuur {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    password = factory.PostGenerationMethodCall("set_password", "test-password-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    board = factory.LazyAttribute(lambda m: m.school.board if m.school else BoardFactory())
    role = Role.STAFF


def member(role, *, school=None, board=None, **user_fields):
    """A user with one membership: at ``school``, or board-wide on ``board``."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, role=role, school=school, board=board or school.board)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    school = factory.SubFactory(SchoolFactory)
    kind = PersonKind.PUPIL
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    class_name = "2A"


def _leader_of(school):
    membership = Membership.objects.filter(school=school, role=Role.SCHOOL_LEADER).select_related("user").first()
    return membership.user if membership else member(Role.SCHOOL_LEADER, school=school)


def _privacy_officer_of(school):
    membership = Membership.objects.filter(board=school.board, school=None, role=Role.PRIVACY_OFFICER).first()
    return membership.user if membership else member(Role.PRIVACY_OFFICER, board=school.board)


class IncidentFactory(factory.django.DjangoModelFactory):
    """Reported through the service; a trait walks it on to that step with the school leader's work."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    class Params:
        gathering = factory.Trait(target=State.GATHERING)
        assessing = factory.Trait(target=State.ASSESSING)
        containing = factory.Trait(target=State.CONTAINING)
        informing = factory.Trait(target=State.INFORMING)
        communicating = factory.Trait(target=State.COMMUNICATING)
        evaluating = factory.Trait(target=State.EVALUATING)
        closed = factory.Trait(target=State.CLOSED)
        dismissed = factory.Trait(target=State.DISMISSED)

    target = State.REPORTED  # not a model field: _create takes it out
    school = factory.SubFactory(SchoolFactory)
    reporter = factory.LazyAttribute(lambda o: member(Role.STAFF, school=o.school))
    platform = "whatsapp"
    category = "bullying"
    description = "Er worden gemene berichten over een leerling in de klassenapp gezet."
    privacy_flag = False

    @classmethod
    def _create(cls, model_class, *, target=State.REPORTED, **kwargs):
        kwargs.setdefault("discovered_at", timezone.now())
        incident = services.incident_report(**kwargs)
        if incident.privacy_flag and target in (State.CLOSED, State.DISMISSED):
            _privacy_officer_of(incident.school)  # who concludes the review before the case may end
        if target != State.REPORTED:
            incident = walk_to(incident, target, _leader_of(incident.school))
            incident.refresh_from_db()
        return incident
