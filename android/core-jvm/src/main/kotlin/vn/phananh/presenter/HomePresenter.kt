package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.FeedQuery
import vn.phananh.core.LocalState
import vn.phananh.data.OutboxRepository
import vn.phananh.data.ReportsRepository
import vn.phananh.data.SessionRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.FeedArea
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.HomeEvent
import vn.phananh.ui.state.HomeState
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.LocalizedText

/**
 * Home: my reports (live from the core's cache), the outbox badge, and the public feed: around
 * the device when the platform has given a position ([devicePosition]: a box of
 * [NEARBY_RADIUS_M] around it, rows with their distance, nearest first), else the province's.
 */
class HomePresenter(
    private val reports: ReportsRepository,
    private val outbox: OutboxRepository,
    private val session: SessionRepository,
    private val scope: CoroutineScope,
) : Presenter<HomeState, HomeEvent> {
    private val config get() = reports.config()
    private val _state = MutableStateFlow(
        HomeState(
            tenantName = LocalizedText(config.nameVi, config.nameEn),
            categories = config.categories.map { it.toOption() },
            signedIn = false,
            provinceName = config.provinceName,
            nearbyRadiusMeters = NEARBY_RADIUS_M,
        ),
    )
    override val state: StateFlow<HomeState> = _state.asStateFlow()

    init {
        // The session lives in the platform's secret store: read through the core, off the main thread.
        scope.launch { runCatchingExceptions { session.isSignedIn() }.getOrNull()?.let { s -> _state.update { it.copy(signedIn = s) } } }
        scope.launch {
            reports.myReportsUpdates()
                .catch { e -> _state.update { it.copy(error = e.toUiError()) } }
                .collect { snap -> _state.update { s -> s.copy(myReports = snap.reports.map { it.toSummary(config) }) } }
        }
        scope.launch {
            outbox.outboxUpdates()
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

    @Volatile private var position: Pair<Double, Double>? = null

    /** The device's position (the platform's last fix), or null when none is known. */
    fun devicePosition(lat: Double?, lon: Double?) {
        val p = if (lat != null && lon != null) lat to lon else null
        if (p == position) return
        position = p
        _state.update { it.copy(feedArea = if (p != null) FeedArea.NEARBY else FeedArea.PROVINCE) }
        if (_state.value.tab == HomeTab.PUBLIC_FEED) loadFeed()
    }

    override fun onEvent(event: HomeEvent) {
        when (event) {
            is HomeEvent.SelectTab -> selectTab(event.tab)
            is HomeEvent.ChangeFeedFilter -> changeFeedFilter(event.filter)
            HomeEvent.Refresh -> refresh()
            is HomeEvent.Shell -> Unit
        }
    }

    private fun selectTab(tab: HomeTab) {
        _state.update { it.copy(tab = tab) }
        if (tab == HomeTab.PUBLIC_FEED && _state.value.publicFeed.isEmpty()) loadFeed()
    }

    private fun changeFeedFilter(filter: FeedFilter) {
        _state.update { it.copy(feedFilter = filter) }
        loadFeed()
    }

    /** Pull-to-refresh: status sync of my reports (if signed in) and the feed. */
    private fun refresh() {
        _state.update { it.copy(refreshing = true, error = null) }
        scope.launch {
            val signedIn = runCatchingExceptions { session.isSignedIn() }.getOrDefault(false)
            val sync = if (signedIn) runCatchingExceptions { reports.syncMyReports() }.exceptionOrNull() else null
            val feed = loadFeedNow()
            _state.update { it.copy(refreshing = false, error = (sync ?: feed)?.toUiError()) }
        }
    }

    private fun loadFeed() {
        scope.launch { loadFeedNow()?.let { e -> _state.update { it.copy(error = e.toUiError()) } } }
    }

    private suspend fun loadFeedNow(): Throwable? {
        val f = _state.value.feedFilter
        val here = position
        val query = FeedQuery(
            bbox = here?.let { (lat, lon) -> boundingBox(lat, lon, NEARBY_RADIUS_M.toDouble()) },
            category = f.categoryCode,
            status = f.status?.toCore(),
            text = f.query.takeIf { it.isNotBlank() },
        )
        return runCatchingExceptions { reports.feed(query) }
            .onSuccess { page ->
                val rows = page.items.map { item -> item.toSummary(config, here?.let { (lat, lon) -> distanceMeters(lat, lon, item.lat, item.lon) }) }
                _state.update { s ->
                    s.copy(
                        // The tenant config may have been refreshed since the screen opened.
                        categories = config.categories.map { it.toOption() },
                        publicFeed = if (here != null) rows.sortedBy { it.distanceMeters } else rows,
                        feedArea = if (here != null) FeedArea.NEARBY else FeedArea.PROVINCE,
                    )
                }
            }
            .exceptionOrNull()
    }
}
