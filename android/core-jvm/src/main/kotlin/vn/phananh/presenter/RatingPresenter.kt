package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.PhanAnhException
import vn.phananh.data.ReportsRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.RatingEvent
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.RatingState

/**
 * Rating a resolved report (and asking to reopen it); the core checks and queues it, and
 * [syncNow] gives the core time to deliver it.
 */
class RatingPresenter(
    private val repo: ReportsRepository,
    private val scope: CoroutineScope,
    reportId: String,
    category: LocalizedText,
    private val syncNow: () -> Unit = {},
) : Presenter<RatingState, RatingEvent> {
    private val config = repo.config()
    private val _state = MutableStateFlow(
        RatingState(
            reportId = reportId,
            reportCategory = category,
            levels = config.ratingScale.map { it.toOption() },
            commentMaxChars = config.ratingCommentMaxChars.toInt(),
        ),
    )
    override val state: StateFlow<RatingState> = _state.asStateFlow()

    override fun onEvent(event: RatingEvent) {
        when (event) {
            is RatingEvent.SelectLevel -> selectLevel(event.value)
            is RatingEvent.ChangeComment -> _state.update { it.copy(comment = event.text) }
            is RatingEvent.ChangeReopen -> _state.update { it.copy(reopen = event.reopen && it.reopenAllowed) }
            RatingEvent.Submit -> submit()
            is RatingEvent.Shell -> Unit
        }
    }

    private fun selectLevel(value: Int) = _state.update { s ->
        val allowed = s.levels.firstOrNull { it.value == value }?.mayReopen == true
        s.copy(selectedLevel = value, reopen = s.reopen && allowed)
    }

    private fun submit() {
        val s = _state.value
        _state.update { it.copy(submitting = true, error = null, fieldErrors = emptyList()) }
        scope.launch {
            runCatchingExceptions { repo.rateReport(s.reportId, s.selectedLevel ?: 0, s.comment.ifBlank { null }, s.reopen) }
                .onSuccess {
                    syncNow()
                    _state.update { it.copy(submitting = false, submitted = true) }
                }
                .onFailure { e ->
                    _state.update {
                        if (e is PhanAnhException.Validation) it.copy(submitting = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() })
                        else it.copy(submitting = false, error = e.toUiError())
                    }
                }
        }
    }
}
