package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.PhanAnhException
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.RatingState

/** Rating a resolved report (and asking to reopen it); the core checks and queues it. */
class RatingViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
    reportId: String,
    category: LocalizedText,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow(
        RatingState(
            reportId = reportId,
            reportCategory = category,
            levels = config.ratingScale.map { it.toOption() },
            commentMaxChars = config.ratingCommentMaxChars.toInt(),
        ),
    )
    val state: StateFlow<RatingState> = _state.asStateFlow()

    fun selectLevel(value: Int) = _state.update { s ->
        val allowed = s.levels.firstOrNull { it.value == value }?.mayReopen == true
        s.copy(selectedLevel = value, reopen = s.reopen && allowed)
    }

    fun changeComment(text: String) = _state.update { it.copy(comment = text) }
    fun changeReopen(reopen: Boolean) = _state.update { it.copy(reopen = reopen) }

    fun submit() {
        val s = _state.value
        _state.update { it.copy(submitting = true, error = null, fieldErrors = emptyList()) }
        scope.launch {
            try {
                repo.rateReport(s.reportId, s.selectedLevel ?: 0, s.comment.ifBlank { null }, s.reopen)
                _state.update { it.copy(submitting = false, submitted = true) }
            } catch (e: PhanAnhException.Validation) {
                _state.update { it.copy(submitting = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() }) }
            } catch (e: Exception) {
                _state.update { it.copy(submitting = false, error = e.toUiError()) }
            }
        }
    }
}
