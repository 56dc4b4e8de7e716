package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.PhanAnhException
import vn.phananh.data.PreferencesRepository
import vn.phananh.data.SessionRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.FieldMessage
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.LoginEvent
import vn.phananh.ui.state.LoginState
import vn.phananh.ui.state.LoginStep
import vn.phananh.ui.state.ValidationProblem

/** Phone + OTP sign-in. The phone format and the code are checked by the server. */
class LoginPresenter(
    private val session: SessionRepository,
    private val preferences: PreferencesRepository,
    private val scope: CoroutineScope,
) : Presenter<LoginState, LoginEvent> {
    private val _state = MutableStateFlow(LoginState())
    override val state: StateFlow<LoginState> = _state.asStateFlow()

    init {
        // Already signed in (the session lives in the platform's secret store): the screen closes.
        scope.launch {
            if (runCatchingExceptions { session.isSignedIn() }.getOrDefault(false)) _state.update { it.copy(signedIn = true) }
        }
    }

    override fun onEvent(event: LoginEvent) {
        when (event) {
            is LoginEvent.ChangePhone -> _state.update { it.copy(phone = event.phone, fieldErrors = emptyList()) }
            is LoginEvent.ChangeCode -> _state.update { it.copy(otp = event.code, fieldErrors = emptyList()) }
            LoginEvent.EditPhone -> _state.update { it.copy(step = LoginStep.PHONE, otp = "") }
            LoginEvent.RequestCode, LoginEvent.ResendCode -> requestCode()
            LoginEvent.Verify -> verify()
            is LoginEvent.Shell -> Unit
        }
    }

    private fun requestCode() = call {
        val sent = session.requestOtp(_state.value.phone)
        _state.update { it.copy(step = LoginStep.OTP, phone = sent.phone, resendInSeconds = 60) }
    }

    private fun verify() = call {
        val phone = _state.value.phone
        try {
            session.signIn(phone, _state.value.otp)
            preferences.rememberPhone(phone)
            _state.update { it.copy(signedIn = true) }
        } catch (e: PhanAnhException.Unauthorized) {
            // The server refuses the code (wrong or expired): a problem of the code field, not
            // "please sign in again" (what Unauthorized means everywhere else).
            _state.update { it.copy(fieldErrors = listOf(FieldMessage(Fields.OTP, ValidationProblem.Invalid("otp")))) }
        }
    }

    private fun call(block: suspend () -> Unit) {
        _state.update { it.copy(busy = true, error = null, fieldErrors = emptyList()) }
        scope.launch {
            runCatchingExceptions { block() }
                .onSuccess { _state.update { it.copy(busy = false) } }
                .onFailure { e ->
                    _state.update {
                        if (e is PhanAnhException.Validation) it.copy(busy = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() })
                        else it.copy(busy = false, error = e.toUiError())
                    }
                }
        }
    }
}
