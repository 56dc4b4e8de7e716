package vn.phananh.app.nav

import java.time.Instant
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.app.AppGraph
import vn.phananh.app.BuildConfig
import vn.phananh.app.settings.AppSettings
import vn.phananh.core.LocalState
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.core.coreVersion
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.HomeActions
import vn.phananh.ui.state.HomeState
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.LocationPickerActions
import vn.phananh.ui.state.LocationPickerState
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.LoginActions
import vn.phananh.ui.state.LoginState
import vn.phananh.ui.state.NewReportActions
import vn.phananh.ui.state.NewReportState
import vn.phananh.ui.state.OutboxActions
import vn.phananh.ui.state.OutboxState
import vn.phananh.ui.state.RatingActions
import vn.phananh.ui.state.RatingState
import vn.phananh.ui.state.ReportDetailActions
import vn.phananh.ui.state.ReportDetailState
import vn.phananh.ui.state.SettingsActions
import vn.phananh.ui.state.SettingsState
import vn.phananh.viewmodel.HomeViewModel
import vn.phananh.viewmodel.LoginViewModel
import vn.phananh.viewmodel.NewReportViewModel
import vn.phananh.viewmodel.OutboxViewModel
import vn.phananh.viewmodel.RatingViewModel
import vn.phananh.viewmodel.ReportDetailViewModel

/**
 * [ScreenModels] over android/core-jvm's view-models (package vn.phananh.viewmodel), which map
 * the core's types into android/ui-state and subscribe to the core's streams themselves. The
 * view-models expose the screens' intents as methods; the adapters below route the screens'
 * *Actions to them (platform intents are left to the navigation). Each model gets its own
 * main-thread scope, cancelled when its back-stack entry goes. Settings and the pin picker are
 * app-side state.
 */
class CoreScreenModels(private val graph: AppGraph) : ScreenModels {
    private val repo get() = graph.repository

    private abstract class Scoped<S, A> : ScreenModel<S, A> {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
        override fun close() = scope.cancel()
    }

    override fun home(): ScreenModel<HomeState, HomeActions> = object : Scoped<HomeState, HomeActions>() {
        val vm = HomeViewModel(repo, scope)
        override val state = vm.state
        override val actions: HomeActions = object : HomeActions {
            override fun selectTab(tab: HomeTab) = vm.selectTab(tab)
            override fun changeFeedFilter(filter: FeedFilter) = vm.changeFeedFilter(filter)
            override fun refresh() = vm.refresh()
            override fun openReport(id: String) {}
            override fun newReport() {}
            override fun openOutbox() {}
            override fun openSettings() {}
            override fun signIn() {}
        }
    }

    override fun newReport(draftId: String?): NewReportModel = object : Scoped<NewReportState, NewReportActions>(), NewReportModel {
        val vm = NewReportViewModel(repo, scope)
        // The view-model owns the draft; the platform's view of the location (asking, denied, no
        // fix) is laid over it until a fix arrives.
        val locationStatus = MutableStateFlow<LocationStatus?>(null)
        override val state: StateFlow<NewReportState> = combine(vm.state, vm.submitted, locationStatus) { s, submitted, status ->
            val overlay = status != null && s.location.chosen == null
            s.copy(
                submitted = submitted != null,
                location = if (overlay) s.location.copy(status = status!!) else s.location,
            )
        }.stateIn(scope, SharingStarted.Eagerly, vm.state.value)
        override val draftId: StateFlow<String?> = vm.state.map { it.draftId }.stateIn(scope, SharingStarted.Eagerly, null)

        init {
            scope.launch {
                // "New report" continues an unsent draft (the app may have been killed while the
                // user typed) rather than leaving it behind and starting another.
                val resume = draftId ?: runCatching { repo.drafts() }.getOrNull()
                    ?.firstOrNull { it.state is LocalState.Draft }?.id
                vm.start(resume)
            }
        }

        override fun attach(path: String) = vm.addAttachment(path)

        override fun deviceFix(fix: LocationFix?, status: LocationStatus) {
            when {
                // The core chooses among recent device fixes and the photos' own positions.
                fix != null -> vm.onDeviceFix(fix)
                status == LocationStatus.PERMISSION_DENIED -> vm.locationUnavailable(permissionDenied = true)
                status == LocationStatus.UNAVAILABLE -> vm.locationUnavailable(permissionDenied = false)
            }
            // "Still asking" is the platform's to know: shown until a position is chosen.
            locationStatus.value = if (status == LocationStatus.ACQUIRING) status else null
        }

        override fun pin(lat: Double, lon: Double) = vm.movePin(lat, lon)

        override val actions: NewReportActions = object : NewReportActions {
            override fun selectCategory(code: String) { vm.selectCategory(code) }
            override fun changeDescription(text: String) { vm.changeDescription(text) }
            override fun changeAnonymous(anonymous: Boolean) { vm.changeAnonymous(anonymous) }
            override fun removeAttachment(id: String) = vm.removeAttachment(id)
            override fun chooseLocation(candidateId: String) = vm.chooseLocation(candidateId)
            override fun submit() = vm.submit()
            override fun takePhoto() {}
            override fun recordVideo() {}
            override fun pickFromGallery() {}
            override fun refreshLocation() {}
            override fun adjustLocation() {}
            override fun requestLocationPermission() {}
            override fun close() {}
        }
    }

    override fun locationPicker(lat: Double, lon: Double, onChosen: (LocationFix) -> Unit): ScreenModel<LocationPickerState, LocationPickerActions> =
        object : Scoped<LocationPickerState, LocationPickerActions>() {
            private val start = LocationPickerState(lat, lon, metersPerDp = 0.8)
            private val mutable = MutableStateFlow(start)
            override val state: StateFlow<LocationPickerState> = mutable.asStateFlow()
            override val actions = object : LocationPickerActions {
                override fun movePin(lat: Double, lon: Double) = mutable.update { it.copy(lat = lat, lon = lon) }
                override fun recenterOnDevice() = mutable.update { it.copy(lat = start.lat, lon = start.lon) }
                override fun confirm() {
                    val s = mutable.value
                    onChosen(LocationFix(s.lat, s.lon, null, null, Instant.now(), LocationSource.MANUAL))
                }
                override fun cancel() {}
            }
        }

    override fun outbox(): ScreenModel<OutboxState, OutboxActions> = object : Scoped<OutboxState, OutboxActions>() {
        val vm = OutboxViewModel(repo, scope)
        override val state = vm.state
        override val actions: OutboxActions = object : OutboxActions {
            override fun retry(clientId: String) = vm.retry(clientId)
            override fun retryAll() { vm.retryAll() }
            override fun cancel(clientId: String) = vm.cancel(clientId)
            override fun open(clientId: String) {}
            override fun back() {}
        }
    }

    override fun detail(reportId: String): ScreenModel<ReportDetailState, ReportDetailActions> =
        object : Scoped<ReportDetailState, ReportDetailActions>() {
            val vm = ReportDetailViewModel(repo, scope, reportId)
            // Until the first load the screen shows a loading state for this id.
            private val placeholder = ReportDetailState(id = reportId, category = LocalizedText("", ""), description = "", status = null, createdAt = 0L, loading = true)
            override val state: StateFlow<ReportDetailState> = vm.state.map { it ?: placeholder }
                .stateIn(scope, SharingStarted.Eagerly, vm.state.value ?: placeholder)
            override val actions: ReportDetailActions = object : ReportDetailActions {
                override fun refresh() = vm.refresh()
                override fun rate() {}
                override fun openPhoto(photo: PhotoRef) {}
                override fun back() {}
            }
        }

    override fun rating(reportId: String, category: LocalizedText): ScreenModel<RatingState, RatingActions> =
        object : Scoped<RatingState, RatingActions>() {
            val vm = RatingViewModel(repo, scope, reportId, category)
            override val state = vm.state
            override val actions: RatingActions = object : RatingActions {
                override fun selectLevel(value: Int) { vm.selectLevel(value) }
                override fun changeComment(text: String) { vm.changeComment(text) }
                override fun changeReopen(reopen: Boolean) { vm.changeReopen(reopen) }
                override fun submit() = vm.submit()
                override fun back() {}
            }
        }

    override fun login(): ScreenModel<LoginState, LoginActions> = object : Scoped<LoginState, LoginActions>() {
        val vm = LoginViewModel(repo, scope)
        override val state = vm.state
        override val actions: LoginActions = object : LoginActions {
            override fun changePhone(phone: String) { vm.changePhone(phone) }
            override fun requestCode() { vm.requestCode() }
            override fun changeCode(code: String) { vm.changeCode(code) }
            override fun verify() {
                graph.settings.rememberPhone(vm.state.value.phone)
                vm.verify()
            }
            override fun resendCode() { vm.resendCode() }
            override fun editPhone() { vm.editPhone() }
            override fun skip() {}
        }
    }

    override fun settings(): ScreenModel<SettingsState, SettingsActions> = object : Scoped<SettingsState, SettingsActions>() {
        val config = repo.config()
        private fun build(v: AppSettings.Values) = SettingsState(
            language = v.language,
            wifiOnlyVideo = v.wifiOnlyVideo,
            notificationsEnabled = v.notifications,
            signedInPhone = if (graph.gateway.isSignedIn()) v.maskedPhone ?: "" else null,
            tenantName = LocalizedText(config.nameVi, config.nameEn),
            appVersion = BuildConfig.VERSION_NAME,
            coreVersion = coreVersion(),
        )
        private val refresh = MutableStateFlow(0)
        override val state: StateFlow<SettingsState> = combine(graph.settings.values, refresh) { v, _ -> build(v) }
            .stateIn(scope, SharingStarted.Eagerly, build(graph.settings.values.value))

        override val actions: SettingsActions = object : SettingsActions {
            override fun changeLanguage(language: AppLanguage) = graph.settings.setLanguage(language)
            override fun changeWifiOnlyVideo(enabled: Boolean) {
                graph.settings.setWifiOnlyVideo(enabled)
                graph.appScope.launch { graph.gateway.setVideoWifiOnly(enabled) }
            }
            override fun changeNotifications(enabled: Boolean) = graph.settings.setNotifications(enabled)
            override fun signIn() {}
            override fun signOut() {
                scope.launch {
                    runCatching { graph.gateway.signOut() }
                    refresh.value++
                }
            }
            override fun back() {}
        }
    }
}
