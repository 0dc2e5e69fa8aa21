import { useEffect } from 'react';
import { match, navigate, useLocation, Link } from './router';
import { SCREENS } from './screens';
import { SessionProvider, useSession } from './session';
import { SignInPage } from './pages/SignIn';
import { Loading, PageTitle } from './ui/widgets';

export function App() {
  return (
    <SessionProvider>
      <Root />
    </SessionProvider>
  );
}

function Root() {
  const { state } = useSession();
  if (state.status === 'loading') {
    return (
      <main id="main" className="sign-in">
        <Loading what="Opening your session" />
      </main>
    );
  }
  if (state.status === 'signedOut') return <SignInPage message={state.message} />;
  return <Shell />;
}

function Shell() {
  const { path } = useLocation();
  const { permissions, state, signOut } = useSession();
  const open = SCREENS.filter((s) => s.allowed(permissions));
  const home = open.find((s) => s.nav)?.pattern;

  useEffect(() => {
    if (path === '/' && home) navigate(home, { replace: true });
  }, [path, home]);

  let content;
  let key = path;
  const found = SCREENS.map((screen) => ({ screen, params: match(screen.pattern, path) })).find((m) => m.params);
  if (path === '/') {
    content = home ? null : <NothingToShow />;
  } else if (!found) {
    content = <NotFound />;
  } else if (!found.screen.allowed(permissions)) {
    content = <Forbidden />;
  } else {
    content = found.screen.render(found.params!);
    key = `${found.screen.pattern}:${JSON.stringify(found.params)}`;
  }

  const me = state.status === 'signedIn' ? state.me : null;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Identity Hub
        </Link>
        <nav aria-label="Console">
          <ul>
            {open
              .filter((s) => s.nav)
              .map((s) => {
                const current = path === s.pattern || path.startsWith(`${s.pattern}/`);
                return (
                  <li key={s.pattern}>
                    <Link to={s.pattern} aria-current={current ? 'page' : undefined}>
                      {s.nav}
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
        <div className="me">
          <span className="me-who">
            {me?.email}
            <span className="me-role"> · {me?.role.name}</span>
          </span>
          <button type="button" className="small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} key={key}>
        {content}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        The console has no page at this address. <Link to="/">Go to the start</Link>
      </p>
    </>
  );
}

function Forbidden() {
  return (
    <>
      <PageTitle>Not available to your role</PageTitle>
      <p>
        Your role does not have the permission this page needs. <Link to="/">Go to the start</Link>
      </p>
    </>
  );
}

function NothingToShow() {
  return (
    <>
      <PageTitle>Nothing to show</PageTitle>
      <p>Your role's permissions open none of the console's pages.</p>
    </>
  );
}
