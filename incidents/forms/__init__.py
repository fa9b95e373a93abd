"""The incident app's forms, by concern:

    case.py      the report, the case's own fields, step changes and the case filters
    records.py   a form per kind of record on a case, and correcting or withdrawing one
    breach.py    the FG's review and the breach filters
    quarantine.py  quarantining and deleting files that show a minor's nudity
"""

from .case import (
    ReportForm, TriageForm, FactsForm, DecisionForm, TransitionForm, CaseFilterForm, FIELD_FORMS,
    StatisticsFilterForm,
)
from .records import (
    EvidenceForm, IncidentRecordForm, PersonPicker, InvolvementForm, ActionForm, WaiverForm, PoliceReportForm,
    TakedownForm, TakedownOutcomeForm, InformedPartyForm, MessageForm, EvaluationForm, AssignmentForm,
    RecordCorrectionForm, record_correction_form, RecordWithdrawalForm, RECORD_FORMS,
)
from .breach import BreachAssessmentForm, BreachFilterForm
from .quarantine import QuarantineForm, QuarantineDestroyForm

__all__ = [
    "ReportForm",
    "TriageForm",
    "FactsForm",
    "DecisionForm",
    "TransitionForm",
    "CaseFilterForm",
    "FIELD_FORMS",
    "StatisticsFilterForm",
    "EvidenceForm",
    "IncidentRecordForm",
    "PersonPicker",
    "InvolvementForm",
    "ActionForm",
    "WaiverForm",
    "PoliceReportForm",
    "TakedownForm",
    "TakedownOutcomeForm",
    "InformedPartyForm",
    "MessageForm",
    "EvaluationForm",
    "AssignmentForm",
    "RecordCorrectionForm",
    "record_correction_form",
    "RecordWithdrawalForm",
    "RECORD_FORMS",
    "BreachAssessmentForm",
    "BreachFilterForm",
    "QuarantineForm",
    "QuarantineDestroyForm",
]
