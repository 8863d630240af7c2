-- The target the migration cases are judged against: the reference WorkOnClock schema (its five
-- migrations, applied first) holding rows shaped for the cases: NULLs, repeated values, an empty
-- table, and 5000 time entries (above the cases' copy threshold of 1000 rows).

INSERT INTO `woc_organizations` (`id`, `name`, `slug`, `status`, `updatedAt`) VALUES
    ('org-acme', 'Acme', 'acme', 'ACTIVE', NOW(3)),
    ('org-globex', 'Globex', 'globex', 'ACTIVE', NOW(3)),
    ('org-initech', 'Initech', 'initech', 'SUSPENDED', NOW(3));

INSERT INTO `woc_roles` (`id`, `organizationId`, `key`, `name`) VALUES
    ('role-acme-owner', 'org-acme', 'OWNER', 'Owner'),
    ('role-acme-member', 'org-acme', 'MEMBER', 'Member'),
    ('role-globex-owner', 'org-globex', 'OWNER', 'Owner'),
    ('role-globex-member', 'org-globex', 'MEMBER', 'Member'),
    ('role-initech-owner', 'org-initech', 'OWNER', 'Owner');

-- two users share a name; two have not verified their email (NULL)
INSERT INTO `woc_users` (`id`, `organizationId`, `email`, `name`, `passwordHash`, `status`, `roleId`, `emailVerifiedAt`) VALUES
    ('user-ada', 'org-acme', 'ada@acme.test', 'Ada Lovelace', 'x', 'ACTIVE', 'role-acme-owner', NOW(3)),
    ('user-sam-a', 'org-acme', 'sam@acme.test', 'Sam Lee', 'x', 'ACTIVE', 'role-acme-member', NULL),
    ('user-grace', 'org-globex', 'grace@globex.test', 'Grace Hopper', 'x', 'ACTIVE', 'role-globex-owner', NOW(3)),
    ('user-sam-g', 'org-globex', 'sam@globex.test', 'Sam Lee', 'x', 'INVITED', 'role-globex-member', NULL),
    ('user-peter', 'org-initech', 'peter@initech.test', 'Peter Gibbons', 'x', 'DISABLED', 'role-initech-owner', NOW(3));

-- "Website" is a project name in two organizations
INSERT INTO `woc_projects` (`id`, `organizationId`, `name`, `archived`) VALUES
    ('proj-acme-web', 'org-acme', 'Website', false),
    ('proj-acme-app', 'org-acme', 'Mobile App', false),
    ('proj-globex-web', 'org-globex', 'Website', false),
    ('proj-globex-data', 'org-globex', 'Data Platform', true);

-- 5000 time entries: every 7th still running (endedAt NULL), every 5th without a project
INSERT INTO `woc_time_entries` (`id`, `organizationId`, `userId`, `projectId`, `startedAt`, `endedAt`, `source`)
SELECT CONCAT('te-', n),
       IF(n % 2 = 0, 'org-acme', 'org-globex'),
       IF(n % 2 = 0, 'user-ada', 'user-grace'),
       IF(n % 5 = 0, NULL, IF(n % 2 = 0, 'proj-acme-web', 'proj-globex-web')),
       TIMESTAMP('2025-01-01') + INTERVAL n MINUTE,
       IF(n % 7 = 0, NULL, TIMESTAMP('2025-01-01') + INTERVAL n + 30 MINUTE),
       IF(n % 3 = 0, 'WEB', 'DESKTOP')
FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n
      FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS a,
           (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS b,
           (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS c,
           (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS e) AS numbers;

INSERT INTO `woc_organization_settings` (`id`, `organizationId`, `updatedAt`) VALUES
    ('set-acme', 'org-acme', NOW(3)),
    ('set-globex', 'org-globex', NOW(3)),
    ('set-initech', 'org-initech', NOW(3));

-- the adhoc request still pending has no decider (NULL); Ada asked twice
INSERT INTO `woc_adhoc_requests` (`id`, `organizationId`, `userId`, `projectId`, `startedAt`, `endedAt`, `reason`, `status`, `decidedById`, `decidedAt`) VALUES
    ('adhoc-1', 'org-acme', 'user-ada', 'proj-acme-web', '2025-02-01 09:00', '2025-02-01 11:00', 'Offline at a client', 'APPROVED', 'user-ada', '2025-02-02 09:00'),
    ('adhoc-2', 'org-acme', 'user-sam-a', NULL, '2025-02-03 09:00', '2025-02-03 10:00', 'Forgot to start the timer', 'PENDING', NULL, NULL),
    ('adhoc-3', 'org-globex', 'user-grace', 'proj-globex-web', '2025-02-04 09:00', '2025-02-04 12:30', 'Train without network', 'REJECTED', 'user-grace', '2025-02-05 09:00');

-- the same sender wrote twice
INSERT INTO `woc_contact_messages` (`id`, `name`, `email`, `message`) VALUES
    ('msg-1', 'Dana', 'dana@example.test', 'Pricing for 40 seats?'),
    ('msg-2', 'Dana', 'dana@example.test', 'Any news on the pricing?'),
    ('msg-3', 'Eli', 'eli@example.test', 'Do you support Linux?');

-- woc_invites, woc_password_resets and woc_screenshots stay empty

ANALYZE TABLE `woc_organizations`, `woc_roles`, `woc_users`, `woc_projects`, `woc_time_entries`,
    `woc_organization_settings`, `woc_adhoc_requests`, `woc_contact_messages`;
