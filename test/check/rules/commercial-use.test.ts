import commercialUse from '../../../src/check/rules/commercial-use.ts';
import { RuleTester } from '../rule-tester.ts';

new RuleTester().run(commercialUse, {
  valid: [
    { name: 'a community site', outcome: 'pass', messageId: 'community' },
    {
      name: 'a commercial site with a valid licence',
      url: 'https://press.example/x',
      outcome: 'pass',
      messageId: 'licensed',
    },
    {
      name: 'an unregistered site',
      url: 'https://unknown.example/x',
      outcome: 'unknown',
      messageId: 'unregistered',
    },
  ],
  invalid: [
    {
      name: 'a commercial site without a licence',
      url: 'https://shop.example/x',
      outcome: 'fail',
      messageId: 'unlicensed',
    },
    {
      name: 'a licence not yet valid on the day',
      url: 'https://press.example/x',
      fetchedAt: '2024-06-01T00:00:00Z',
      outcome: 'fail',
      messageId: 'licenceNotValid',
    },
  ],
});
