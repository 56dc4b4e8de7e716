package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocalState
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.HomeState
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.LocalizedText

/** Home: my reports (live from the core's cache) and the public feed (cached for offline). */
class HomeViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow(
        HomeState(
            tenantName = LocalizedText(config.nameVi, config.nameEn),
            categories = config.categories.map { it.toOption() },
            signedIn = repo.isSignedIn(),
        ),
    )
    val state: StateFlow<HomeState> = _state.asStateFlow()

    init {
        scope.launch {
            repo.myReportsUpdates()
                .catch { e -> _state.update { it.copy(error = e.toUiError()) } }
                .collect { snap -> _state.update { s -> s.copy(myReports = snap.reports.map { it.toSummary(config) }) } }
        }
        scope.launch {
            repo.outboxUpdates()
                .catch { e -> _state.update { it.copy(error = e.toUiError()) } }
                .collect { snap ->
                    _state.update { s ->
                        s.copy(
                            pendingOutboxCount = snap.entries.count { it.item.state !is LocalState.Submitted },
                            online = snap.online,
                            signedIn = snap.signedIn,
                        )
                    }
                }
        }
    }

    fun selectTab(tab: HomeTab) {
        _state.update { it.copy(tab = tab) }
        if (tab == HomeTab.PUBLIC_FEED && _state.value.publicFeed.isEmpty()) loadFeed()
    }

    fun changeFeedFilter(filter: FeedFilter) {
        _state.update { it.copy(feedFilter = filter) }
        loadFeed()
    }

    /** Pull-to-refresh: status sync of my reports (if signed in) and the feed. */
    fun refresh() {
        _state.update { it.copy(refreshing = true, error = null) }
        scope.launch {
            val sync = if (repo.isSignedIn()) runCatching { repo.syncMyReports() }.exceptionOrNull() else null
            val feed = loadFeedNow()
            _state.update { it.copy(refreshing = false, error = (sync ?: feed)?.toUiError()) }
        }
    }

    private fun loadFeed() {
        scope.launch { loadFeedNow()?.let { e -> _state.update { it.copy(error = e.toUiError()) } } }
    }

    private suspend fun loadFeedNow(): Throwable? {
        val f = _state.value.feedFilter
        val query = FeedQuery(
            category = f.categoryCode,
            status = f.status?.toCore(),
            text = f.query.takeIf { it.isNotBlank() },
        )
        return runCatching { repo.feed(query) }
            .onSuccess { page -> _state.update { s -> s.copy(publicFeed = page.items.map { it.toSummary(config) }) } }
            .exceptionOrNull()
    }
}
