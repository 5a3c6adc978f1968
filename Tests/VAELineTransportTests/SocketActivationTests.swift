import Testing
import VAELineTransport

@Suite("systemd socket activation")
struct SocketActivationTests {
    @Test func socketActivationNeedsOurPidAndAtLeastOneDescriptor() {
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "1"], pid: 42) == 3)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "2"], pid: 42) == 3)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "1"], pid: 42) == nil)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "0"], pid: 42) == nil)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_FDS": "1"], pid: 42) == nil)
    }
}
