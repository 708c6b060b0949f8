/** `@switchboard/simulators/smtp`: the mail catcher, an SMTP server that keeps what it is sent and shows it over HTTP. */
export { MailCatcher, subjectOf, type CaughtMail, type MailCatcherOptions } from './mail-catcher.js';
