"""Load invented demo data: units, facilities, staff with keys, and a few sample tips.

Every name here is invented and marked illustrative. The demo password and the demo
staff's TOTP secret are published in the README and refused whenever DEBUG is off.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import envelope
from accounts.keys import membership_grant, staff_member_create, unit_keypair_create, vault_unit_key_name
from accounts.models import Role, StaffMember
from accounts.services import staff_totp_device, staff_totp_enrol, totp_is_demo_key, totp_key_base32
from cases.deadlines import add_days, add_working_days
from cases.models import Case, CaseEvent
from cases.services import case_acknowledge, case_assign, case_message_send, case_transition, note_add
from cases.statuses import CaseStatus
from demo import custodian, story
from demo.retention import demo_retention_load
from org.models import Facility, Region, Unit
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit

UNITS = [
    ("national", "Oficina Nacional de Asuntos Internos (demo)", Unit.Kind.NATIONAL),
    ("lima", "Oficina Regional Lima – Asuntos Internos (demo)", Unit.Kind.REGIONAL),
    ("norte", "Oficina Regional Norte – Asuntos Internos (demo)", Unit.Kind.REGIONAL),
]
REGIONS = [("Lima (demo)", "lima"), ("Norte (demo)", "norte")]
FACILITIES = [
    ("E.P. Lurigancho (ilustrativo)", "Lima (demo)", 3200, 6500),
    ("E.P. Miguel Castro Castro (ilustrativo)", "Lima (demo)", 1100, 4400),
    ("E.P. Ancón I (ilustrativo)", "Lima (demo)", 1500, 2600),
    ("E.P. Mujeres de Chorrillos (ilustrativo)", "Lima (demo)", 450, 900),
    ("E.P. Trujillo (ilustrativo)", "Norte (demo)", 1100, 3300),
    ("E.P. Chiclayo (ilustrativo)", "Norte (demo)", 1150, 3600),
]
# username, role, unit slugs
STAFF = [
    ("investigator", Role.INVESTIGATOR, ["lima"]),
    ("investigator2", Role.INVESTIGATOR, ["lima"]),
    ("supervisor", Role.SUPERVISOR, ["lima"]),
    ("investigator_norte", Role.INVESTIGATOR, ["norte"]),
    ("investigator_national", Role.INVESTIGATOR, ["national"]),
    # Approves routing changes asked for in the administration (approvals/): a second person, never the admin.
    ("supervisor_national", Role.SUPERVISOR, ["national"]),
    ("manager", Role.MANAGER, []),
    ("admin", Role.ADMINISTRATOR, []),
    ("operator", Role.OPERATOR, []),
    ("auditor", Role.AUDITOR, []),
]
# Invented sample tips: (facility, category, channel, staff involved, protection, days ago, text).
# Several stages of a working week follow in `_work_the_week`.
SAMPLE_TIPS = [
    (
        "E.P. Lurigancho (ilustrativo)",
        Category.PHONES,
        SmugglingChannel.VISITORS,
        StaffInvolved.NO,
        False,
        0,
        "DEMO (inventado): el domingo de visita, dos visitantes pasaron celulares y cargadores escondidos en "
        "táperes de comida en la entrada del pabellón 4. En la revisión de la puerta no abrieron los táperes.",
    ),
    (
        "E.P. Miguel Castro Castro (ilustrativo)",
        Category.BRIBERY,
        SmugglingChannel.STAFF,
        StaffInvolved.NO,
        False,
        9,
        "DEMO (inventado): el técnico Ramiro Ccori Huamán, del turno de noche, cobra un cupo semanal a los "
        "internos para dejarles tener celulares en las celdas. Le dicen 'el Flaco'.",
    ),
    (
        "E.P. Miguel Castro Castro (ilustrativo)",
        Category.BRIBERY,
        SmugglingChannel.STAFF,
        StaffInvolved.UNKNOWN,
        False,
        6,
        "DEMO (inventado): en el pabellón 2 el agente ramiro cori huaman, apodado 'el Flaco', recibe coimas "
        "por dejar pasar chips y cargadores. Pasa los martes y jueves.",
    ),
    (
        "E.P. Ancón I (ilustrativo)",
        Category.PHONES,
        SmugglingChannel.THROWN,
        StaffInvolved.NO,
        False,
        12,
        "DEMO (inventado): de madrugada lanzan paquetes por encima del muro norte, cerca de la torre 3. "
        "Adentro hay celulares envueltos en cinta.",
    ),
    (
        "E.P. Lurigancho (ilustrativo)",
        Category.DRUGS_WEAPONS,
        SmugglingChannel.SUPPLIERS,
        StaffInvolved.NO,
        True,
        3,
        "DEMO (inventado): el camión del proveedor de verduras entra sin revisión los lunes y trae droga en "
        "los sacos de papa. Tengo miedo de que sepan que yo avisé.",
    ),
    (
        "E.P. Mujeres de Chorrillos (ilustrativo)",
        Category.ABUSE,
        SmugglingChannel.NOT_APPLICABLE,
        StaffInvolved.NO,
        False,
        30,
        "DEMO (inventado): una interna del pabellón B recibe amenazas de otras internas para que entregue "
        "su comida y sus visitas.",
    ),
    (
        "E.P. Lurigancho (ilustrativo)",
        Category.BRIBERY,
        SmugglingChannel.STAFF,
        StaffInvolved.YES,
        False,
        2,
        "DEMO (inventado): el propio personal de Asuntos Internos del penal sabe de los cupos y no hace nada.",
    ),
    (
        "E.P. Trujillo (ilustrativo)",
        Category.PHONES,
        SmugglingChannel.VISITORS,
        StaffInvolved.NO,
        False,
        4,
        "DEMO (inventado): en el día de visita femenina ingresan chips escondidos en el calzado.",
    ),
]


class Command(BaseCommand):
    help = "Load invented demo data (idempotent). Prints the demo password and sample receipts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--synthetic",
            type=int,
            default=3000,
            help="Also generate this many synthetic tips (generate_tips) so the managers' dashboard has patterns.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.exists():
            private = settings.VAR_DIR / "escrow" / "DEMO-escrow-private.key"
            call_command("create_escrow_key", private_key_out=private, stdout=self.stdout)
        custodian.demo_custodian_ensure(stdout=self.stdout)
        if Unit.objects.filter(slug="lima").exists():
            self.stdout.write("Demo data already loaded.")
            self._create_index_key()
            self._enrol_demo_authenticators()
            self._print_logins()
            self._print_demo_case()
            return
        with transaction.atomic():
            receipts = self._load()
            self._create_index_key()
            self._enrol_demo_authenticators()
            # After the index keys: the seized phone's number is pseudonymised with them.
            _case, receipt = story.demo_case_carry(backdate=_backdate)
            receipts.append((story.FACILITY, receipt))
            demo_retention_load(backdate=_backdate)  # old closed cases, so `manage.py retention` lists some
        self._link_reports()
        if options["synthetic"]:
            escrow_private_key = settings.VAR_DIR / "escrow" / "DEMO-escrow-private.key"
            call_command(
                "generate_tips",
                count=options["synthetic"],
                seed=2026,
                workers=1,
                escrow_private_key=escrow_private_key,
                stdout=self.stdout,
            )
            self._link_reports()
            call_command("rebuild_rollups", stdout=self.stdout)
        self._print_logins()
        for facility, receipt in receipts:
            self.stdout.write(f"Sample tip at {facility}: tracking code {envelope.format_receipt(receipt)}")
        self._print_demo_case()

    def _load(self) -> list[tuple[str, str]]:
        units = {slug: Unit.objects.create(slug=slug, name=name, kind=kind) for slug, name, kind in UNITS}
        regions = {name: Region.objects.create(name=name, unit=units[slug]) for name, slug in REGIONS}
        facilities = {
            name: Facility.objects.create(
                name=name, region=regions[region], capacity=capacity, population=population, is_illustrative=True
            )
            for name, region, capacity, population in FACILITIES
        }
        user_model = get_user_model()
        members = {}
        for username, role, _units in STAFF:
            user = user_model(username=username, email=f"{username}@example.invalid")
            user.set_password(settings.TIPLINE_DEMO_PASSWORD)
            user.save()
            members[username] = staff_member_create(user=user, role=role, password=settings.TIPLINE_DEMO_PASSWORD)
        vault: dict[str, bytes] = {}
        for slug, unit in units.items():
            keypair, private_key = unit_keypair_create(unit=unit)
            vault[vault_unit_key_name(keypair.pk)] = private_key
            for username, _role, unit_slugs in STAFF:
                if slug in unit_slugs:
                    membership_grant(member=members[username], keypair=keypair, unit_private_key=private_key)
        receipts = []
        cases = []
        for facility, category, channel, involved, protection, days_ago, text in SAMPLE_TIPS:
            tip, receipt = tip_submit(
                submission=TipSubmission(
                    facility=facilities[facility],
                    category=category,
                    smuggling_channel=channel,
                    staff_involved=involved,
                    when_period=WhenPeriod.THIS_MONTH,
                    occurred_on=None,
                    description=text,
                    contact="",
                    protection_requested=protection,
                )
            )
            cases.append(_backdate(tip.case_link.case, days_ago))
            receipts.append((facility, receipt))
        _work_the_week(cases, members, vault)
        return receipts

    def _create_index_key(self) -> None:
        """Create the index keys, sealed to the demo units' keys, unless they exist: recording an entity needs them."""
        from linking.models import IndexKey, IndexScope

        if IndexKey.objects.values("scope").distinct().count() < len(IndexScope.values):
            call_command("create_index_key", stdout=self.stdout)

    def _link_reports(self) -> None:
        """Link the demo reports as a staff session would, through the demo's escrow key (nobody clicks).

        The two reports about "el Flaco" (his name written two ways) come out linked.
        """
        from linking.services import waiting_tips_link_with_escrow

        private = settings.VAR_DIR / "escrow" / "DEMO-escrow-private.key"
        if private.exists():
            _extracted, linked = waiting_tips_link_with_escrow(escrow_private_key=private.read_bytes())
            self.stdout.write(f"Linked {linked} demo report(s) automatically.")

    def _enrol_demo_authenticators(self) -> None:
        """Give every demo staff user the published demo TOTP secret (kept if already there)."""
        for user in get_user_model().objects.filter(username__in=[username for username, _r, _u in STAFF]):
            device = staff_totp_device(user=user)
            if device is None or not totp_is_demo_key(device):
                staff_totp_enrol(user=user, key_hex=settings.TIPLINE_DEMO_TOTP_KEY)

    def _print_logins(self) -> None:
        names = ", ".join(username for username, _role, _units in STAFF)
        self.stdout.write(
            f"Demo staff at /staff/: {names}; password: {settings.TIPLINE_DEMO_PASSWORD} "
            "(accepted only while DEBUG is on)."
        )
        self.stdout.write(
            f"Demo authenticator secret (TOTP, all demo staff): {totp_key_base32(settings.TIPLINE_DEMO_TOTP_KEY)} -- add it to any "
            "authenticator app, or print the current code with: manage.py totp_code --username investigator "
            "(DEBUG only)."
        )

    def _print_demo_case(self) -> None:
        case = story.demo_case()
        if case is not None:
            url = reverse("staff:case", kwargs={"public_id": case.public_id})
            self.stdout.write(f"Caso de demostración completo: {url}")


def _backdate(case: Case, days_ago: int) -> Case:
    """Move an invented case back in time, as if it had arrived `days_ago` days ago."""
    received = timezone.localdate() - datetime.timedelta(days=days_ago)
    unit = case.unit
    case.received_on = received
    case.acknowledge_due = add_days(received, unit.acknowledge_days)
    case.feedback_due = add_days(received, unit.feedback_days)
    if case.protection_due is not None:
        case.protection_due = add_working_days(received, unit.protection_working_days)
    case.next_due = case.compute_next_due()
    case.save(update_fields=["received_on", "acknowledge_due", "feedback_due", "protection_due", "next_due"])
    Tip.objects.filter(case_link__case=case).update(received_on=received)
    opened_at = timezone.make_aware(datetime.datetime.combine(received, datetime.time()))
    case.events.filter(kind=CaseEvent.Kind.OPENED).update(at=opened_at)
    return case


def _work_the_week(cases: list[Case], members: dict[str, StaffMember], vault: dict[str, bytes]) -> None:
    """Put the invented cases at the stages of a real week: acknowledged, assigned, investigated, closed."""
    supervisor, investigator = members["supervisor"], members["investigator"]
    _new, flaco_1, flaco_2, thrown, supplier, abuse, _conflict, _norte = cases
    # The first report about "el Flaco": acknowledged, assigned, under investigation, with a note.
    case_acknowledge(case=flaco_1, actor=investigator, vault=vault)
    case_assign(case=flaco_1, assignee=investigator, actor=supervisor)
    flaco_1 = case_transition(case=flaco_1, to=CaseStatus.INVESTIGATING, actor=investigator, vault=vault)
    note_add(
        case=flaco_1,
        actor=investigator,
        body="DEMO: revisar el rol de turnos de noche del pabellón 2; posible relación con otra denuncia.",
        vault=vault,
    )
    tip = Tip.objects.get(case_link__case=flaco_1)
    case_message_send(
        case=flaco_1,
        tip=tip,
        actor=investigator,
        body="¿Recuerda en qué días de la semana cobra el cupo? ¿Hay otros agentes involucrados?",
        vault=vault,
    )
    # The second report about him is linked automatically, for the demo user to judge. Thrown packages: closed.
    case_acknowledge(case=thrown, actor=investigator, vault=vault)
    case_assign(case=thrown, assignee=members["investigator2"], actor=supervisor)
    thrown = case_transition(case=thrown, to=CaseStatus.INVESTIGATING, actor=supervisor, vault=vault)
    case_transition(
        case=thrown,
        to=CaseStatus.SUBSTANTIATED,
        actor=supervisor,
        reason="DEMO: la requisa de la torre 3 encontró 14 celulares; se reforzó la vigilancia nocturna.",
        vault=vault,
    )
    # The supplier report asks for protection and is assigned; the abuse report is overdue (never acknowledged).
    case_assign(case=supplier, assignee=members["investigator2"], actor=supervisor)
    del flaco_2, abuse
