package vn.phananh.app.nav

import kotlinx.coroutines.flow.StateFlow
import vn.phananh.core.LocationFix
import vn.phananh.ui.state.HomeActions
import vn.phananh.ui.state.HomeState
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

/**
 * A screen's view-model as the navigation sees it: state to render, intents to forward, and
 * close() when its back-stack entry is gone (cancels its core subscriptions).
 */
interface ScreenModel<S, A> : AutoCloseable {
    val state: StateFlow<S>
    val actions: A
}

/** The new-report view-model also takes the platform's facts: captured files and device fixes. */
interface NewReportModel : ScreenModel<NewReportState, NewReportActions> {
    val draftId: StateFlow<String?>
    fun attach(path: String)
    /** A fix from the device ([fix] null: none came; [status] says why, or that we are still asking). */
    fun deviceFix(fix: LocationFix?, status: LocationStatus)
    /** The user placed the pin here (wins over GPS and photos). */
    fun pin(lat: Double, lon: Double)
}

/**
 * Where screens get their view-models: implemented over android/core-jvm's view-models
 * ([CoreScreenModels]); a fake implementation can drive the app without the core.
 */
interface ScreenModels {
    fun home(): ScreenModel<HomeState, HomeActions>
    fun newReport(draftId: String?): NewReportModel
    /** Pin adjustment starting at ([lat], [lon]); [onChosen] gets the confirmed position. */
    fun locationPicker(lat: Double, lon: Double, onChosen: (LocationFix) -> Unit): ScreenModel<LocationPickerState, LocationPickerActions>
    fun outbox(): ScreenModel<OutboxState, OutboxActions>
    fun detail(reportId: String): ScreenModel<ReportDetailState, ReportDetailActions>
    fun rating(reportId: String, category: LocalizedText): ScreenModel<RatingState, RatingActions>
    fun login(): ScreenModel<LoginState, LoginActions>
    fun settings(): ScreenModel<SettingsState, SettingsActions>
}
