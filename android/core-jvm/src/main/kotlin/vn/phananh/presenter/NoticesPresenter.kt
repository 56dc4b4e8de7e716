package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.Notice
import vn.phananh.core.NoticeSeverity
import vn.phananh.data.NoticesRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.NoticeItem
import vn.phananh.ui.state.NoticeLevel
import vn.phananh.ui.state.NoticesEvent
import vn.phananh.ui.state.NoticesState

/**
 * The province's notices (issue 13) for where the device was last ([lastPosition]: lat, lon,
 * or `null` for the province-wide ones only). The core orders them (most severe, then newest)
 * and answers from the phone's copy when offline.
 */
class NoticesPresenter(
    private val repo: NoticesRepository,
    private val scope: CoroutineScope,
    private val lastPosition: suspend () -> Pair<Double, Double>?,
) : Presenter<NoticesState, NoticesEvent> {
    private val _state = MutableStateFlow(NoticesState())
    override val state: StateFlow<NoticesState> = _state.asStateFlow()

    init { refresh() }

    override fun onEvent(event: NoticesEvent) {
        when (event) {
            NoticesEvent.Refresh -> refresh()
            is NoticesEvent.Shell -> Unit
        }
    }

    private fun refresh() {
        _state.update { it.copy(loading = true, error = null) }
        scope.launch {
            val here = runCatchingExceptions { lastPosition() }.getOrNull()
            runCatchingExceptions { repo.noticesAt(here?.first, here?.second) }
                .onSuccess { r ->
                    _state.value = NoticesState(
                        items = r.notices.map { it.toItem() },
                        wardCode = r.ward,
                        withoutPosition = here == null,
                        fromCache = r.fromCache,
                        fetchedAt = r.fetchedAt.millis(),
                        loading = false,
                    )
                }
                .onFailure { e -> _state.update { it.copy(loading = false, error = e.toUiError()) } }
        }
    }
}

fun Notice.toItem() = NoticeItem(
    id = id,
    title = title,
    body = body,
    level = when (severity) {
        NoticeSeverity.INFO -> NoticeLevel.INFO
        NoticeSeverity.WARNING -> NoticeLevel.WARNING
        NoticeSeverity.SEVERE -> NoticeLevel.SEVERE
    },
    provinceWide = provinceWide,
    validFrom = validFrom.millis(),
    validTo = validTo?.millis(),
    publishedAt = publishedAt.millis(),
)
