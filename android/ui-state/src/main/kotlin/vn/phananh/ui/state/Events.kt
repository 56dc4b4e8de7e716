package vn.phananh.ui.state

// What the user does, screen by screen, as values. A screen raises its events and nothing else;
// each screen's presenter (android/core-jvm, package vn.phananh.presenter) takes them and
// produces the next state. The events under `Shell` need the platform (navigation, camera,
// gallery, permissions): the app's navigation handles those and the presenter ignores them.

sealed interface HomeEvent {
    data class SelectTab(val tab: HomeTab) : HomeEvent
    data class ChangeFeedFilter(val filter: FeedFilter) : HomeEvent
    data object Refresh : HomeEvent

    sealed interface Shell : HomeEvent
    data class OpenReport(val id: String) : Shell
    data object NewReport : Shell
    data object OpenOutbox : Shell
    data object OpenDrafts : Shell
    data object OpenSettings : Shell
    data object SignIn : Shell
    /** The province's notices (issue 13). */
    data object OpenNotices : Shell
    /** The map of the reports around (issue 17). */
    data object OpenMap : Shell
}

sealed interface NewReportEvent {
    data class SelectCategory(val code: String) : NewReportEvent
    data class ChangeDescription(val text: String) : NewReportEvent
    data class ChangeAnonymous(val anonymous: Boolean) : NewReportEvent
    data class RemoveAttachment(val id: String) : NewReportEvent
    /** One of the offered alternatives (a photo's own position) becomes the report's position. */
    data class ChooseLocation(val candidateId: String) : NewReportEvent
    data object Submit : NewReportEvent
    /** "Tôi cũng gặp vấn đề này": follow this nearby report instead of filing a duplicate. */
    data class JoinNearby(val reportId: String) : NewReportEvent
    /** After joining: delete this draft (the screen closes) or keep writing it. */
    data object DiscardDraftAfterJoin : NewReportEvent
    data object KeepWritingAfterJoin : NewReportEvent

    sealed interface Shell : NewReportEvent
    /** Open the camera for a photo. */
    data object TakePhoto : Shell
    /** Open the camera for a short video. */
    data object RecordVideo : Shell
    /** Open the system photo picker for earlier photos/videos. */
    data object PickFromGallery : Shell
    data object RefreshLocation : Shell
    /** Open the pin-adjust screen. */
    data object AdjustLocation : Shell
    /** Ask for the location permission again. */
    data object RequestLocationPermission : Shell
    data object Close : Shell
}

sealed interface DraftsEvent {
    /** Hidden at once; deleted for good when the undo window passes. */
    data class Delete(val id: String) : DraftsEvent
    data object Undo : DraftsEvent
    data object Reload : DraftsEvent

    sealed interface Shell : DraftsEvent
    data class Open(val id: String) : Shell
    data object Back : Shell
}

sealed interface LocationPickerEvent {
    /** The pin now points at this position. */
    data class MovePin(val lat: Double, val lon: Double) : LocationPickerEvent
    data object RecenterOnDevice : LocationPickerEvent
    data object Confirm : LocationPickerEvent

    sealed interface Shell : LocationPickerEvent
    data object Cancel : Shell
}

sealed interface OutboxEvent {
    data class Retry(val clientId: String) : OutboxEvent
    data class Cancel(val clientId: String) : OutboxEvent
    data object RetryAll : OutboxEvent

    sealed interface Shell : OutboxEvent
    data class Open(val clientId: String) : Shell
    data object Back : Shell
}

sealed interface ReportDetailEvent {
    data object Refresh : ReportDetailEvent
    /** "Đã sửa": the fix is confirmed. */
    data object ConfirmFix : ReportDetailEvent
    /** "Chưa sửa": opens the text field; [SendDispute] sends it. */
    data object StartDispute : ReportDetailEvent
    data class ChangeDisputeText(val text: String) : ReportDetailEvent
    data object CancelDispute : ReportDetailEvent
    data object SendDispute : ReportDetailEvent

    sealed interface Shell : ReportDetailEvent
    data object Rate : Shell
    data class OpenPhoto(val photo: PhotoRef) : Shell
    data object Back : Shell
}

sealed interface RatingEvent {
    data class SelectLevel(val value: Int) : RatingEvent
    data class ChangeComment(val text: String) : RatingEvent
    data class ChangeReopen(val reopen: Boolean) : RatingEvent
    data object Submit : RatingEvent

    sealed interface Shell : RatingEvent
    data object Back : Shell
}

sealed interface LoginEvent {
    data class ChangePhone(val phone: String) : LoginEvent
    data object RequestCode : LoginEvent
    data class ChangeCode(val code: String) : LoginEvent
    data object Verify : LoginEvent
    data object ResendCode : LoginEvent
    data object EditPhone : LoginEvent

    sealed interface Shell : LoginEvent
    /** Continue without signing in (public feed only). */
    data object Skip : Shell
}

sealed interface SettingsEvent {
    data class ChangeLanguage(val language: AppLanguage) : SettingsEvent
    data class ChangeWifiOnlyVideo(val enabled: Boolean) : SettingsEvent
    data class ChangeNotifications(val enabled: Boolean) : SettingsEvent
    /** Asks first (with the number of unsent items kept for this account). */
    data object SignOut : SettingsEvent
    data object ConfirmSignOut : SettingsEvent
    /** "Download my data" into the folder the app chose for exports. */
    data object ExportData : SettingsEvent
    /** Asks first: what deletion does, and that it cannot be undone. */
    data object DeleteAccount : SettingsEvent
    data object ConfirmDeleteAccount : SettingsEvent
    data object DismissDialog : SettingsEvent

    sealed interface Shell : SettingsEvent
    data object SignIn : Shell
    data object Back : Shell
    /** Hand the exported folder's files to another app (Files, Drive, e-mail). */
    data class ShareExport(val path: String) : Shell
}
