package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.EventKind
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.RatingSummary
import vn.phananh.ui.state.ReportDetailState
import vn.phananh.ui.state.TimelineEntry
import vn.phananh.ui.state.UnitAnswer

/** Report detail with its timeline: the cached copy at once, refreshed from the server. */
class ReportDetailViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
    private val reportId: String,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow<ReportDetailState?>(null)
    /** `null` until the report is known (cache or server). */
    val state: StateFlow<ReportDetailState?> = _state.asStateFlow()

    init {
        scope.launch {
            // Status changes of my reports arrive through the core's subscription.
            repo.myReportsUpdates().catch { }.collect { snap ->
                snap.reports.firstOrNull { it.id == reportId }?.let { show(it) }
            }
        }
        refresh()
    }

    fun refresh() {
        scope.launch {
            _state.value ?: runCatching { repo.cachedReport(reportId) }.getOrNull()?.let { show(it) }
            _state.update { it?.copy(loading = true) }
            runCatching { repo.refreshReport(reportId) }
                .onSuccess { show(it) }
                .onFailure { e -> _state.update { it?.copy(loading = false, error = e.toUiError()) } }
        }
    }

    private fun show(r: Report) {
        val resolved = r.timeline.lastOrNull { it.kind == EventKind.RESOLVED }
        val rejected = r.timeline.lastOrNull { it.kind == EventKind.REJECTED }
        val summary = r.toSummary(config)
        _state.value = ReportDetailState(
            id = r.id,
            category = summary.category,
            description = r.description,
            status = r.status.toUi(),
            createdAt = r.createdAt.millis(),
            ward = r.ward?.toUi(),
            lat = r.lat,
            lon = r.lon,
            photos = r.media.map { it.toPhoto() },
            unitName = r.unit?.name,
            deadline = r.deadline?.millis(),
            overdue = summary.overdue,
            timeline = r.timeline.map { e ->
                TimelineEntry(e.id.toString(), e.at.millis(), e.status.toUi(), e.unit?.name, e.message, e.media.map { it.toPhoto() })
            },
            answer = resolved?.let { UnitAnswer(it.unit?.name ?: r.unit?.name ?: "", it.message ?: "", it.at.millis(), it.media.map { m -> m.toPhoto() }) },
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
        )
    }
}
