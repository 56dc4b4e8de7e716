package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.flow.updateAndGet
import kotlinx.coroutines.launch
import vn.phananh.core.EventKind
import vn.phananh.core.OutboxItem
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.data.ReportsRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.ClosureAnswerInfo
import vn.phananh.ui.state.ClosureState
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.RatingSummary
import vn.phananh.ui.state.ReportDetailState
import vn.phananh.ui.state.TimelineEntry
import vn.phananh.ui.state.UnitAnswer

/** Report detail with its timeline: the cached copy at once, refreshed from the server. */
class ReportDetailPresenter(
    private val repo: ReportsRepository,
    private val scope: CoroutineScope,
    private val reportId: String,
    /** Gives the core time to deliver a queued answer at once (the app's scheduler). */
    private val syncNow: () -> Unit = {},
) : Presenter<ReportDetailState, ReportDetailEvent> {
    private val config = repo.config()
    /** `null` until the report is known (cache or server). */
    private val known = MutableStateFlow<ReportDetailState?>(null)
    // Until the report is known the screen shows a loading state for this id.
    private val placeholder = ReportDetailState(id = reportId, category = LocalizedText("", ""), description = "", status = null, createdAt = 0L, loading = true)
    private val _state = MutableStateFlow(placeholder)
    override val state: StateFlow<ReportDetailState> = _state.asStateFlow()

    override fun onEvent(event: ReportDetailEvent) {
        when (event) {
            ReportDetailEvent.Refresh -> refresh()
            ReportDetailEvent.ConfirmFix -> answer { repo.confirmResolution(reportId) }
            ReportDetailEvent.StartDispute -> updateClosure { it.copy(disputing = true, error = null) }
            is ReportDetailEvent.ChangeDisputeText -> updateClosure { it.copy(disputeText = event.text, error = null) }
            ReportDetailEvent.CancelDispute -> updateClosure { it.copy(disputing = false, disputeText = "", error = null) }
            ReportDetailEvent.SendDispute -> {
                val text = _state.value.closure?.disputeText.orEmpty()
                answer { repo.disputeResolution(reportId, text) }
            }
            is ReportDetailEvent.Shell -> Unit
        }
    }

    init {
        scope.launch {
            // Status changes of my reports arrive through the core's subscription.
            repo.myReportsUpdates().catch { }.collect { snap ->
                snap.reports.firstOrNull { it.id == reportId }?.let { show(it) }
            }
        }
        refresh()
    }

    private fun refresh() {
        scope.launch {
            known.value ?: runCatchingExceptions { repo.cachedReport(reportId) }.getOrNull()?.let { show(it) }
            update { it.copy(loading = true, error = null) }
            runCatchingExceptions { repo.refreshReport(reportId) }
                .onSuccess { show(it) }
                .onFailure { e -> update { it.copy(loading = false, error = e.toUiError()) } }
        }
    }

    /** The answer this screen queued, until the server's copy of the report carries it. */
    @Volatile private var queuedAnswer: ClosureAnswerInfo? = null
    @Volatile private var lastReport: Report? = null

    private fun updateClosure(change: (ClosureState) -> ClosureState) = update { s -> s.copy(closure = s.closure?.let(change)) }

    /** "Đã sửa" / "Chưa sửa" through the outbox; the core's refusal is shown in words on the card. */
    private fun answer(call: suspend () -> OutboxItem) {
        if (_state.value.closure?.sending == true) return
        updateClosure { it.copy(sending = true, error = null) }
        scope.launch {
            runCatchingExceptions { call() }
                .onSuccess { item ->
                    queuedAnswer = item.toPendingAnswer()
                    syncNow()
                    lastReport?.let { show(it) }
                }
                .onFailure { e -> updateClosure { it.copy(sending = false, error = e.toUiError()) } }
        }
    }

    /** Changes the state, whether or not the report is known yet. */
    private fun update(change: (ReportDetailState) -> ReportDetailState) {
        known.update { it?.let(change) }
        _state.update(change)
    }

    private fun show(r: Report) = synchronized(this) {
        // Copies arrive from the server refresh and from the core's subscription (which first
        // replays what it has cached): one older than what is shown would undo a newer status
        // and close the resident's dispute form, so it is dropped.
        val last = lastReport
        if (last != null && r.updatedAt.isBefore(last.updatedAt)) return
        lastReport = r
        if (r.verification?.myAnswer != null) queuedAnswer = null
        val closure = r.toClosure(queuedAnswer)
        val resolved = r.timeline.lastOrNull { it.kind == EventKind.RESOLVED }
        val rejected = r.timeline.lastOrNull { it.kind == EventKind.REJECTED }
        val summary = r.toSummary(config)
        val shown = ReportDetailState(
            id = r.id,
            category = summary.category,
            description = r.description,
            status = r.status.toUi(),
            createdAt = r.createdAt.millis(),
            ward = r.ward?.toUi(),
            lat = r.lat,
            lon = r.lon,
            photos = r.media.map { it.toPhoto(keep = true) },
            unitName = r.unit?.name,
            deadline = r.deadline?.millis(),
            overdue = summary.overdue,
            timeline = r.timeline.map { e ->
                TimelineEntry(e.id.toString(), e.at.millis(), e.status.toUi(), e.unit?.name, e.message, e.media.map { it.toPhoto(keep = true) })
            },
            answer = resolved?.let { UnitAnswer(it.unit?.name ?: r.unit?.name ?: "", it.message ?: "", it.at.millis(), it.media.map { m -> m.toPhoto(keep = true) }) },
            rejectionReason = rejected?.message,
            duplicateOf = r.duplicateOf,
            myRating = r.myRating?.let { m ->
                val level = config.ratingScale.firstOrNull { it.value == m.level }
                RatingSummary(m.level.toInt(), level?.toOption()?.label ?: vn.phananh.ui.state.LocalizedText.same(m.level.toString()), m.comment, m.reopen, m.ratedAt.millis())
            },
            canRate = r.clientId != null && r.status == ReportStatus.RESOLVED,
            isMine = r.clientId != null,
            anonymous = r.anonymous,
            loading = false,
            closure = closure,
        )
        // Atomically against the resident's input: what they are typing (and a send under way)
        // survives a refresh; a shown answer closes the form.
        val merged = _state.updateAndGet { prev -> shown.copy(closure = closure?.keepInput(prev.closure)) }
        known.value = merged
    }

    private fun ClosureState.keepInput(before: ClosureState?): ClosureState =
        if (before == null || !canAnswer) this
        else copy(disputing = before.disputing, disputeText = before.disputeText, sending = before.sending, error = before.error)
}
